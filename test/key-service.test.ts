// The key service on its own (no HTTP), over a real SQLite database, with a fake clock.

import { beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.ts';
import { migrateStore, openStore, type Store } from '../src/db/database.ts';
import { DessertError } from '../src/errors.ts';
import { hashApiKey } from '../src/keys/api-key.ts';
import { apiKeyStatus } from '../src/keys/key-status.ts';
import { createServices, type Services } from '../src/services.ts';

let store: Store;
let clock: ManualClock;
let services: Services;
let accountId: string;
let firstKeyId: string;
const operator = { type: 'operator' } as const;

beforeEach(() => {
  store = openStore(':memory:');
  migrateStore(store);
  clock = new ManualClock(Date.UTC(2026, 11, 4, 12));
  services = createServices({ store, clock, maxLiveKeysPerAccount: 3 });
  const created = services.accounts.createAccount({ name: 'A', brandName: 'B', brandDomain: 'b.example' });
  accountId = created.accountId;
  firstKeyId = created.firstKey.apiKey.id;
});

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DessertError);
    return (error as DessertError).code;
  }
  return undefined;
}

describe('status is derived from timestamps at read time', () => {
  const t = (ms: number) => new Date(ms);
  it.each([
    [{ expiresAt: null, revokedAt: null, successorId: null }, 1000, 'ACTIVE'],
    [{ expiresAt: t(2000), revokedAt: null, successorId: null }, 1999, 'ACTIVE'],
    [{ expiresAt: t(2000), revokedAt: null, successorId: null }, 2000, 'EXPIRED'],
    [{ expiresAt: t(2000), revokedAt: null, successorId: 'key_b' }, 1999, 'ROTATING'],
    [{ expiresAt: t(2000), revokedAt: null, successorId: 'key_b' }, 2000, 'EXPIRED'],
    [{ expiresAt: null, revokedAt: t(500), successorId: 'key_b' }, 1000, 'REVOKED'],
    [{ expiresAt: t(2000), revokedAt: t(500), successorId: null }, 3000, 'REVOKED'],
  ])('%j at %i → %s', (times, now, status) => {
    expect(apiKeyStatus(times, now)).toBe(status);
  });
});

describe('the key service', () => {
  it('stores only the hash and last four characters of a key', () => {
    const { secret, apiKey } = services.keys.createApiKey(accountId, { name: 'x' }, operator);
    const row = store.sqlite.prepare('select * from api_keys where id = ?').get(apiKey.id) as Record<string, unknown>;
    expect(row.key_hash).toBe(hashApiKey(secret));
    expect(row.last4).toBe(secret.slice(-4));
    expect(JSON.stringify(row)).not.toContain(secret.slice(10, 46));
  });

  it('rotation: the old key expires after the grace period, the successor inherits the name', () => {
    const rotated = services.keys.rotateApiKey(accountId, { id: firstKeyId, gracePeriodSeconds: 120 }, operator);
    expect(rotated.previousApiKey.status).toBe('ROTATING');
    expect(rotated.previousApiKey.expiresAt?.getTime()).toBe(clock.now() + 120_000);
    expect(rotated.apiKey.name).toBe('Default key');
    clock.advance(120_000);
    expect(services.keys.getApiKey(accountId, firstKeyId).status).toBe('EXPIRED');
    expect(codeOf(() => services.keys.rotateApiKey(accountId, { id: firstKeyId }, operator))).toBe(
      'api_key_not_rotatable',
    );
  });

  it('rotation with a non-integer grace period is refused', () => {
    expect(
      codeOf(() => services.keys.rotateApiKey(accountId, { id: firstKeyId, gracePeriodSeconds: 1.5 }, operator)),
    ).toBe('invalid_input');
  });

  it('the limit counts ACTIVE and ROTATING keys only', () => {
    services.keys.createApiKey(accountId, {}, operator);
    services.keys.createApiKey(accountId, {}, operator);
    expect(codeOf(() => services.keys.createApiKey(accountId, {}, operator))).toBe('api_key_limit_reached');
    services.keys.revokeApiKey(accountId, firstKeyId, operator);
    expect(codeOf(() => services.keys.createApiKey(accountId, {}, operator))).toBeUndefined();
  });

  it('lastUsedAt: recorded in memory, shown at once, saved by flush, never moved backwards', () => {
    services.keys.recordUse(firstKeyId);
    const usedAt = clock.now();
    expect(services.keys.getApiKey(accountId, firstKeyId).lastUsedAt?.getTime()).toBe(usedAt);
    const saved = () => store.sqlite.prepare('select last_used_at as t from api_keys where id = ?').get(firstKeyId);
    expect(saved()).toEqual({ t: null });
    expect(services.keys.flushLastUsed()).toBe(1);
    expect(saved()).toEqual({ t: usedAt });
    expect(services.keys.flushLastUsed()).toBe(0);
    // A stale use (another process's, say) never overwrites a newer one.
    store.sqlite.prepare('update api_keys set last_used_at = ? where id = ?').run(usedAt + 10_000, firstKeyId);
    services.keys.recordUse(firstKeyId);
    services.keys.flushLastUsed();
    expect(saved()).toEqual({ t: usedAt + 10_000 });
  });

  it('revoke-leaked counts malformed and unknown lines, and revokes known keys once', () => {
    const { secret } = services.keys.createApiKey(accountId, {}, operator);
    const result = services.keys.revokeLeakedKeys([secret, secret, 'junk'], operator);
    expect(result.revoked).toBe(1);
    expect(result.unknown).toBe(1);
    const events = services.keys.listAuditEvents(accountId, { first: 10 });
    expect(events.events.filter((e) => e.action === 'api_key.leak_revoked')).toHaveLength(1);
  });

  it('a failed change writes no audit event', () => {
    const before = services.keys.listAuditEvents(accountId, { first: 100 }).events.length;
    codeOf(() => services.keys.rotateApiKey(accountId, { id: 'key_nope' }, operator));
    codeOf(() => services.keys.createApiKey(accountId, { expiresAt: new Date(clock.now() - 1) }, operator));
    expect(services.keys.listAuditEvents(accountId, { first: 100 }).events.length).toBe(before);
  });
});
