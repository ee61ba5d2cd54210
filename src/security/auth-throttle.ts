// Throttled guessing: failed authentications are counted per client address in a fixed one-minute
// window. Past the limit, that address gets 429 rate_limited (with Retry-After) for everything
// until its window passes; other addresses are unaffected. The table is an LRU of bounded size,
// so a flood of addresses evicts the oldest entries instead of growing memory.

import { LRUCache } from 'lru-cache';
import type { Clock } from '../clock.ts';

export const FAILURE_WINDOW_MS = 60_000;
export const MAX_TRACKED_ADDRESSES = 10_000;

interface Window {
  startedAt: number;
  failures: number;
}

export type AuthThrottle = ReturnType<typeof createAuthThrottle>;

export function createAuthThrottle({
  limit,
  clock,
  maxTrackedAddresses = MAX_TRACKED_ADDRESSES,
}: {
  limit: number;
  clock: Clock;
  maxTrackedAddresses?: number;
}) {
  const windows = new LRUCache<string, Window>({ max: maxTrackedAddresses });

  function current(address: string, now: number): Window | undefined {
    const window = windows.get(address);
    if (window !== undefined && now - window.startedAt >= FAILURE_WINDOW_MS) {
      windows.delete(address);
      return undefined;
    }
    return window;
  }

  return {
    /** Seconds until this address may try again, or 0 when it is not throttled. */
    retryAfterSeconds(address: string): number {
      if (windows.size === 0) return 0;
      const now = clock.now();
      const window = current(address, now);
      if (window === undefined || window.failures < limit) return 0;
      return Math.max(1, Math.ceil((window.startedAt + FAILURE_WINDOW_MS - now) / 1000));
    },

    recordFailure(address: string): void {
      const now = clock.now();
      const window = current(address, now);
      if (window === undefined) windows.set(address, { startedAt: now, failures: 1 });
      else window.failures += 1;
    },

    /** How many addresses are being tracked (bounded by maxTrackedAddresses). */
    get trackedAddresses(): number {
      return windows.size;
    },
  };
}
