// The database out of reach while the server runs: another connection holding the write lock
// longer than the busy timeout, and a full disk (SQLite's max_page_count). Every request that
// needs what is out of reach answers 503 service_unavailable with Retry-After, never a 500 and
// never a false 401; what still works keeps working; and the server recovers by itself when the
// fault clears.
//
// Why reads keep working under a write lock: the store runs in WAL mode, where a reader never
// waits for a writer. So the key lookup (a read) goes on authenticating while another process
// holds the lock; only writes (key mutations, the lastUsedAt flush) wait and then fail. What can
// stop a read is a process holding the WAL's shared-memory locks (the -shm file's lock bytes):
// SQLite itself holds them only for instants (recovery, checkpoints), so the last test takes them
// with fcntl from a small Python process, as a stuck or misbehaving process would, and shows the
// key lookup then fails as 503, never as 401 or 500.

import { spawn, spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey } from '../src/keys/api-key.ts';
import { startTestServer, type TestAccount, type TestServer } from './support/server.ts';

const BUSY_TIMEOUT_MS = 100;

let app: TestServer;
let account: TestAccount;
let locker: Database.Database;

beforeAll(async () => {
  app = await startTestServer({
    env: { DATABASE_BUSY_TIMEOUT_MS: String(BUSY_TIMEOUT_MS), MAX_LIVE_KEYS_PER_ACCOUNT: '10000' },
  });
  account = app.createAccount({ name: 'Faults' });
  locker = new Database(app.databasePath);
  locker.pragma('busy_timeout = 0');
});
afterEach(() => {
  if (locker.inTransaction) locker.exec('ROLLBACK');
  app.server.services.store.sqlite.pragma('max_page_count = 4294967294');
});
afterAll(async () => {
  locker.close();
  await app.close();
});

const CREATE = 'mutation ($name: String) { createApiKey(input: { name: $name }) { apiKey { id } secret } }';
const READ = '{ balance { amountCents } brands { name } apiKeys { id } }';

function expectServiceUnavailable(response: { status: number; headers: Headers; body: unknown }): void {
  expect(response.status).toBe(503);
  expect(response.headers.get('retry-after')).toBe('5');
  const text = JSON.stringify(response.body);
  expect(text).toContain('service_unavailable');
  expect(text).toContain('The service is temporarily unavailable. Retry later.');
  expect(text).not.toMatch(/SQLITE|database is locked|INSERT|UPDATE|stack/i);
}

async function createKey(name = 'fault test'): Promise<{ id: string; secret: string }> {
  const response = await app.graphql(CREATE, { key: account.key, variables: { name } });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  const created = response.body.data?.createApiKey as { apiKey: { id: string }; secret: string };
  return { id: created.apiKey.id, secret: created.secret };
}

describe('the write lock held by another connection longer than the busy timeout', () => {
  it('answers every key mutation 503 with Retry-After, and changes nothing', async () => {
    const target = await createKey('to rotate');
    const keysBefore = app.server.services.keys.listApiKeys(account.accountId).length;
    locker.exec('BEGIN IMMEDIATE');

    expectServiceUnavailable(await app.graphql(CREATE, { key: account.key, variables: { name: 'locked out' } }));
    expectServiceUnavailable(
      await app.graphql('mutation ($id: ID!) { rotateApiKey(input: { id: $id }) { secret } }', {
        key: account.key,
        variables: { id: target.id },
      }),
    );
    expectServiceUnavailable(
      await app.graphql('mutation ($id: ID!) { revokeApiKey(input: { id: $id }) { status } }', {
        key: account.key,
        variables: { id: target.id },
      }),
    );

    locker.exec('ROLLBACK');
    expect(app.server.services.keys.listApiKeys(account.accountId)).toHaveLength(keysBefore);
    expect(app.server.services.keys.getApiKey(account.accountId, target.id).status).toBe('ACTIVE');
  });

  it('keeps authenticating and serving reads on GraphQL and REST: no false 401, no 503', async () => {
    locker.exec('BEGIN IMMEDIATE');
    const graphql = await app.graphql(READ, { key: account.key });
    expect(graphql.status).toBe(200);
    expect(graphql.body.errors).toBeUndefined();
    expect((await app.rest('/v1/balance', account.key)).status).toBe(200);
    expect((await app.rest('/v1/brands', account.key)).status).toBe(200);
    // The lookup still tells an unknown key from a known one.
    const unknown = await app.rest('/v1/balance', generateApiKey());
    expect(unknown.status).toBe(401);
    expect((unknown.body as { error: { code: string } }).error.code).toBe('invalid_api_key');
  });

  it('recovers by itself when the lock is released', async () => {
    locker.exec('BEGIN IMMEDIATE');
    expectServiceUnavailable(await app.graphql(CREATE, { key: account.key }));
    locker.exec('ROLLBACK');

    const created = await createKey('after the lock');
    expect((await app.rest('/v1/balance', created.secret)).status).toBe(200);
  });

  it('keeps the uses it could not save and saves them once the lock is gone', async () => {
    const used = await createKey('used during the lock');
    app.server.services.keys.flushLastUsed();
    expect((await app.rest('/v1/brands', used.secret)).status).toBe(200);

    locker.exec('BEGIN IMMEDIATE');
    expect(() => app.server.services.keys.flushLastUsed()).toThrow(expect.objectContaining({ code: 'SQLITE_BUSY' }));
    locker.exec('ROLLBACK');

    expect(app.server.services.keys.flushLastUsed()).toBeGreaterThanOrEqual(1);
    const saved = locker.prepare('SELECT last_used_at FROM api_keys WHERE id = ?').pluck().get(used.id);
    expect(saved).toBe(app.clock.now());
  });
});

describe('a full disk (max_page_count reached)', () => {
  it('answers writes 503, keeps serving reads, and recovers when space returns', async () => {
    const sqlite = app.server.services.store.sqlite;
    const pages = sqlite.pragma('page_count', { simple: true }) as number;
    sqlite.pragma(`max_page_count = ${pages}`);

    // The free room left in the last pages fills first; the first write that needs a new page fails.
    const answered: { id: string; secret: string }[] = [];
    let full: Awaited<ReturnType<TestServer['graphql']>> | undefined;
    for (let i = 0; i < 200 && full === undefined; i += 1) {
      const response = await app.graphql(CREATE, { key: account.key, variables: { name: `${'x'.repeat(90)}${i}` } });
      if (response.status === 200) {
        const created = response.body.data?.createApiKey as { apiKey: { id: string }; secret: string };
        answered.push({ id: created.apiKey.id, secret: created.secret });
      } else {
        full = response;
      }
    }
    expect(full, 'no write failed within 200 keys').toBeDefined();
    expectServiceUnavailable(full as NonNullable<typeof full>);
    // Still full: the next write fails the same way, and reads are served.
    expectServiceUnavailable(await app.graphql(CREATE, { key: account.key, variables: { name: 'y'.repeat(100) } }));
    expect((await app.graphql(READ, { key: account.key })).status).toBe(200);
    expect((await app.rest('/v1/balance', account.key)).status).toBe(200);

    sqlite.pragma('max_page_count = 4294967294');
    const after = await createKey('space is back');
    for (const key of [...answered, after]) {
      expect((await app.rest('/v1/brands', key.secret)).status).toBe(200);
    }
    expect(sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
  });
});

// fcntl locks are per process, so the holder must be another process; Python has fcntl built in.
const HOLD_WAL_INDEX_LOCKS = `
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
# The WAL-index lock bytes: 120 + (write, checkpoint, recover, read marks 0-4)
fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 8, 120)
print("locked", flush=True)
sys.stdin.read()
`;
const hasPython = spawnSync('python3', ['-c', 'import fcntl'], { stdio: 'ignore' }).status === 0;

describe('the WAL-index locks held by a stuck process', () => {
  it.skipIf(!hasPython)(
    'fails the key lookup as 503, never 401 or 500, and recovers when they are released',
    async () => {
      const holder = spawn('python3', ['-c', HOLD_WAL_INDEX_LOCKS, `${app.databasePath}-shm`], {
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      const exited = new Promise((resolve) => holder.on('exit', resolve));
      try {
        await new Promise<void>((resolve, reject) => {
          holder.stdout.once('data', () => resolve());
          holder.once('exit', (code) => reject(new Error(`the lock holder exited with ${code}`)));
        });
        // SQLite retries a blocked read for about ten seconds (whatever the busy timeout), then
        // gives up: each of these two takes that long, one after the other.
        const [rest, graphql] = await Promise.all([
          app.rest('/v1/balance', account.key),
          app.graphql(READ, { key: account.key }),
        ]);
        expectServiceUnavailable(rest);
        expectServiceUnavailable(graphql);
      } finally {
        holder.stdin.end();
        await exited;
      }
      expect((await app.rest('/v1/balance', account.key)).status).toBe(200);
      expect((await app.graphql(READ, { key: account.key })).status).toBe(200);
    },
    60_000,
  );
});
