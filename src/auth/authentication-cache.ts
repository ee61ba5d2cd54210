// An in-process cache of what the key lookup found, keyed by the key's SHA-256, so a busy key is
// not looked up in SQLite on every request. It may only ever answer as the database would:
//
// - this process's changes (keys created, rotated, revoked; accounts suspended or reinstated;
//   brands made ready) empty it at once, through the services' onChange hooks: the very next
//   request sees the change;
// - another process's changes (the CLI, another server on the same file) empty it before the next
//   lookup: SQLite's `PRAGMA data_version` changes only when ANOTHER connection commits, and it is
//   read on this process's own connection at every lookup (~2 µs, less than half the cost of the
//   lookup it saves at 1,000 keys, a quarter at 1,000,000). Reading it at most once a second would
//   save those 2 µs but let a CLI change wait up to a second, and tests (and operators) expect a
//   suspension to hold from the next request;
// - an unknown key is never cached, so a key created a moment ago elsewhere is found at once (and
//   a stream of random keys cannot push the real ones out);
// - expiry is not cached: the entry keeps the timestamps and the caller derives the status from
//   them and the clock on every hit, so a key stops working the millisecond it expires;
// - memory is bounded: at most `maxEntries` entries, the least recently used one goes first.

import { LRUCache } from 'lru-cache';

export interface CachedCredential {
  keyId: string;
  accountId: string;
  expiresAt: Date | null;
  revokedAt: Date | null;
  successorId: string | null;
  accountStatus: 'active' | 'suspended';
  brandId: string | null;
  brandStatus: 'ONBOARDING' | 'READY' | null;
}

export interface AuthenticationCacheOptions {
  maxEntries: number;
  /** Reads `PRAGMA data_version` on the connection the lookups use. */
  readDataVersion: () => number;
}

export class AuthenticationCache {
  // lru-cache (also behind the failure throttle): get() marks an entry recently used, set()
  // evicts the least recently used one past maxEntries.
  private readonly entries: LRUCache<string, CachedCredential>;
  private readonly readDataVersion: () => number;
  private dataVersion: number;

  constructor({ maxEntries, readDataVersion }: AuthenticationCacheOptions) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be at least 1');
    this.entries = new LRUCache({ max: maxEntries });
    this.readDataVersion = readDataVersion;
    this.dataVersion = readDataVersion();
  }

  get size(): number {
    return this.entries.size;
  }

  /** The cached credential for a key hash, if any and if no other connection has committed since it was cached. */
  get(keyHash: string): CachedCredential | undefined {
    // A miss goes to the database anyway: only a hit needs to know it is still current.
    if (!this.entries.has(keyHash)) return undefined;
    this.dropIfChangedElsewhere();
    return this.entries.get(keyHash);
  }

  /** Remembers a credential the database returned (never an unknown key). */
  set(keyHash: string, credential: CachedCredential): void {
    this.entries.set(keyHash, credential);
  }

  clear(): void {
    this.entries.clear();
  }

  private dropIfChangedElsewhere(): void {
    const version = this.readDataVersion();
    if (version !== this.dataVersion) {
      this.dataVersion = version;
      this.entries.clear();
    }
  }
}
