// The authentication cache never answers differently from the database (SPEC §6: a change made
// through this server is in force for the very next request; one made by the CLI or another
// process within 5 seconds, here from the next request too, through PRAGMA data_version), and an
// authenticated request writes nothing to the database.
// Real servers over real SQLite files, with a ManualClock; the CLI as a subprocess.

import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthenticationCache } from '../src/auth/authentication-cache.ts';
import { generateApiKey, hashApiKey, last4 } from '../src/keys/api-key.ts';
import { runCli } from './support/processes.ts';
import { startTestServer, type TestAccount, type TestServer } from './support/server.ts';

const BALANCE = '{ balance { amountCents } }';

let app: TestServer;
beforeAll(async () => {
  app = await startTestServer();
});
afterAll(() => app.close());

/** Authenticates with `key` twice, so the second answer came from the cache if there is one. */
async function useTwice(key: string): Promise<number> {
  await app.rest('/v1/brands', key);
  return (await app.rest('/v1/brands', key)).status;
}

const cached = () => app.server.services.auth.cachedEntries();

describe('changes made through this server are in force for the very next request', () => {
  let account: TestAccount;
  beforeAll(() => {
    account = app.createAccount({ name: 'Fresh here' });
  });

  it('a revoked key is refused at once, though it was cached', async () => {
    const other = app.server.services.keys.createApiKey(account.accountId, { name: 'to revoke' }, { type: 'operator' });
    expect(await useTwice(other.secret)).toBe(200);
    expect(cached()).toBeGreaterThan(0);

    const revoked = await app.graphql('mutation($id: ID!) { revokeApiKey(input: { id: $id }) { status } }', {
      key: account.key,
      variables: { id: other.apiKey.id },
    });
    expect(revoked.body.data).toEqual({ revokeApiKey: { status: 'REVOKED' } });

    const after = await app.rest('/v1/brands', other.secret);
    expect(after.status).toBe(401);
    expect(after.body).toMatchObject({ error: { code: 'invalid_api_key' } });
  });

  it('a key rotated without grace is refused at once; its successor works', async () => {
    const old = app.server.services.keys.createApiKey(account.accountId, { name: 'to rotate' }, { type: 'operator' });
    expect(await useTwice(old.secret)).toBe(200);
    const rotated = await app.graphql(
      'mutation($id: ID!) { rotateApiKey(input: { id: $id, gracePeriodSeconds: 0 }) { secret } }',
      { key: account.key, variables: { id: old.apiKey.id } },
    );
    const successor = (rotated.body.data as { rotateApiKey: { secret: string } }).rotateApiKey.secret;
    expect((await app.rest('/v1/brands', old.secret)).status).toBe(401);
    expect((await app.rest('/v1/brands', successor)).status).toBe(200);
  });

  it('a suspended account is refused at once, and a reinstated one accepted at once', async () => {
    const suspended = app.createAccount({ name: 'To suspend' });
    expect(await useTwice(suspended.key)).toBe(200);
    app.server.services.accounts.suspendAccount(suspended.accountId);
    const refused = await app.rest('/v1/brands', suspended.key);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: { code: 'account_suspended' } });
    app.server.services.accounts.reinstateAccount(suspended.accountId);
    expect((await app.rest('/v1/brands', suspended.key)).status).toBe(200);
  });

  it('a brand made ready serves its balance at once', async () => {
    const onboarding = app.createAccount({ name: 'Onboarding', onboarding: true });
    expect((await app.graphql(BALANCE, { key: onboarding.key })).status).toBe(425);
    expect((await app.graphql(BALANCE, { key: onboarding.key })).status).toBe(425);
    app.server.services.accounts.markBrandReady(onboarding.brandId);
    const ready = await app.graphql(BALANCE, { key: onboarding.key });
    expect(ready.status).toBe(200);
    expect(ready.body.data).toEqual({ balance: { amountCents: 4200 } });
  });

  it('a key stops working the millisecond it expires, though it was cached', async () => {
    const expiresAt = new Date(app.clock.now() + 60_000);
    const expiring = app.server.services.keys.createApiKey(
      account.accountId,
      { name: 'expiring', expiresAt },
      { type: 'operator' },
    );
    expect(await useTwice(expiring.secret)).toBe(200);
    app.clock.set(expiresAt.getTime() - 1);
    expect((await app.rest('/v1/brands', expiring.secret)).status).toBe(200);
    app.clock.set(expiresAt.getTime());
    expect((await app.rest('/v1/brands', expiring.secret)).status).toBe(401);
  });

  it('a rotated key stops working when its grace period ends', async () => {
    const old = app.server.services.keys.createApiKey(account.accountId, { name: 'graceful' }, { type: 'operator' });
    app.server.services.keys.rotateApiKey(
      account.accountId,
      { id: old.apiKey.id, gracePeriodSeconds: 30 },
      {
        type: 'operator',
      },
    );
    expect(await useTwice(old.secret)).toBe(200);
    app.clock.advance(30_000);
    expect((await app.rest('/v1/brands', old.secret)).status).toBe(401);
  });

  it('a cache hit still records the use (lastUsedAt)', async () => {
    const used = app.createAccount({ name: 'Used' });
    await app.rest('/v1/brands', used.key);
    app.clock.advance(7_000);
    const usedAt = app.clock.now();
    await app.rest('/v1/brands', used.key);
    const [key] = app.server.services.keys.listApiKeys(used.accountId);
    expect(key?.lastUsedAt?.getTime()).toBe(usedAt);
  });
});

describe('unknown keys are never cached', () => {
  it('a key that was unknown a moment ago works as soon as another connection has created it', async () => {
    const account = app.createAccount({ name: 'Created elsewhere' });
    const key = generateApiKey();
    expect((await app.rest('/v1/brands', key)).status).toBe(401);
    expect((await app.rest('/v1/brands', key)).status).toBe(401);

    const elsewhere = new Database(app.databasePath);
    try {
      elsewhere
        .prepare(
          "INSERT INTO api_keys (id, account_id, name, key_hash, last4, created_at) VALUES ('key_elsewhere', ?, 'x', ?, ?, ?)",
        )
        .run(account.accountId, hashApiKey(key), last4(key), app.clock.now());
    } finally {
      elsewhere.close();
    }
    // No waiting: the refusal was not remembered.
    expect((await app.rest('/v1/brands', key)).status).toBe(200);
  });
});

describe('changes made by another process are in force within 5 seconds', () => {
  it('an account suspended by the CLI is refused within 5 s, though its key was cached', async () => {
    const account = app.createAccount({ name: 'Suspended by the operator' });
    expect(await useTwice(account.key)).toBe(200);
    expect(cached()).toBeGreaterThan(0);

    const cli = runCli(['accounts', 'suspend', account.accountId], { DATABASE_URL: app.databaseUrl });
    expect(cli.status, cli.stderr).toBe(0);

    const deadline = performance.now() + 5_000;
    let status = 0;
    while (performance.now() < deadline) {
      status = (await app.rest('/v1/brands', account.key)).status;
      if (status === 403) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(status).toBe(403);
  });

  it('a key revoked by another connection is refused within 5 s', async () => {
    const account = app.createAccount({ name: 'Revoked elsewhere' });
    expect(await useTwice(account.key)).toBe(200);
    const elsewhere = new Database(app.databasePath);
    try {
      elsewhere.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ?').run(app.clock.now(), account.keyId);
    } finally {
      elsewhere.close();
    }
    const deadline = performance.now() + 5_000;
    let status = 0;
    while (performance.now() < deadline) {
      status = (await app.rest('/v1/brands', account.key)).status;
      if (status === 401) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(status).toBe(401);
  });
});

describe('the cache is bounded', () => {
  it('keeps at most AUTH_CACHE_MAX_ENTRIES results, and every key still authenticates', async () => {
    const small = await startTestServer({ env: { AUTH_CACHE_MAX_ENTRIES: '2' } });
    try {
      const accounts = [1, 2, 3, 4].map((n) => small.createAccount({ name: `Bounded ${n}` }));
      for (let pass = 0; pass < 2; pass += 1) {
        for (const account of accounts) expect((await small.rest('/v1/brands', account.key)).status).toBe(200);
      }
      expect(small.server.services.auth.cachedEntries()).toBe(2);
    } finally {
      await small.close();
    }
  });

  it('evicts the least recently used result first', () => {
    const cache = new AuthenticationCache({ maxEntries: 2, readDataVersion: () => 1 });
    const credential = (keyId: string) => ({
      keyId,
      accountId: 'acct',
      expiresAt: null,
      revokedAt: null,
      successorId: null,
      accountStatus: 'active' as const,
      brandId: null,
      brandStatus: null,
    });
    cache.set('a', credential('a'));
    cache.set('b', credential('b'));
    cache.get('a');
    cache.set('c', credential('c'));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')?.keyId).toBe('a');
    expect(cache.get('c')?.keyId).toBe('c');
  });

  it('can be turned off (AUTH_CACHE_MAX_ENTRIES=0)', async () => {
    const uncached = await startTestServer({ env: { AUTH_CACHE_MAX_ENTRIES: '0' } });
    try {
      const account = uncached.createAccount();
      expect((await uncached.rest('/v1/balance', account.key)).status).toBe(200);
      expect((await uncached.rest('/v1/balance', account.key)).status).toBe(200);
      expect(uncached.server.services.auth.cachedEntries()).toBe(0);
    } finally {
      await uncached.close();
    }
  });
});

describe('an authenticated request writes nothing to the database', () => {
  it('serves GraphQL and REST without a single commit or changed row', async () => {
    const account = app.createAccount({ name: 'Reader' });
    const server = app.server.services.store.sqlite;
    const changedRows = () => (server.prepare('SELECT total_changes() AS n').get() as { n: number }).n;
    // PRAGMA data_version, read from another connection, changes when the server commits.
    const watcher = new Database(app.databasePath, { readonly: true });
    const dataVersion = () => watcher.prepare('PRAGMA data_version').pluck().get() as number;
    try {
      app.server.services.keys.flushLastUsed();
      const versionBefore = dataVersion();
      const rowsBefore = changedRows();
      for (let i = 0; i < 10; i += 1) {
        expect(
          (
            await app.graphql('{ balance { amountCents } brands { name } apiKeys { lastUsedAt } }', {
              key: account.key,
            })
          ).status,
        ).toBe(200);
        expect((await app.rest('/v1/balance', account.key)).status).toBe(200);
        expect((await app.rest('/v1/brands', account.key)).status).toBe(200);
        app.clock.advance(1_000);
      }
      expect(dataVersion()).toBe(versionBefore);
      expect(changedRows()).toBe(rowsBefore);

      // The watcher does see this server's commits: saving lastUsedAt is one.
      expect(app.server.services.keys.flushLastUsed()).toBeGreaterThan(0);
      expect(dataVersion()).not.toBe(versionBefore);
      expect(changedRows()).toBeGreaterThan(rowsBefore);
    } finally {
      watcher.close();
    }
  });
});
