// SPEC §4–§5 over real HTTP: a key's whole life (create, use, rotate with a grace period, expiry,
// revoke), concurrency of rotation, cross-account isolation, the live-key limit, leaked keys,
// lastUsedAt and the audit trail. Time moves with the server's ManualClock, never by sleeping.

import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey } from '../src/keys/api-key.ts';
import { runCli } from './support/processes.ts';
import { startTestServer, type TestAccount, type TestServer } from './support/server.ts';

const KEY_FIELDS = 'id name last4 preview status createdAt lastUsedAt expiresAt revokedAt';
const CREATE = `mutation Create($input: CreateApiKeyInput) { createApiKey(input: $input) { secret apiKey { ${KEY_FIELDS} } } }`;
const ROTATE = `mutation Rotate($input: RotateApiKeyInput!) { rotateApiKey(input: $input) { secret apiKey { ${KEY_FIELDS} } previousApiKey { ${KEY_FIELDS} } } }`;
const REVOKE = `mutation Revoke($input: RevokeApiKeyInput!) { revokeApiKey(input: $input) { ${KEY_FIELDS} } }`;
const LIST = `{ apiKeys { ${KEY_FIELDS} } }`;

interface KeyJson {
  id: string;
  name: string;
  last4: string;
  preview: string;
  status: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
}

let app: TestServer;
beforeAll(async () => {
  app = await startTestServer({ env: { MAX_LIVE_KEYS_PER_ACCOUNT: '5' } });
});
afterAll(() => app.close());

async function create(key: string, input?: Record<string, unknown>) {
  const { status, body } = await app.graphql(CREATE, { key, variables: { input } });
  const data = body.data?.createApiKey as { secret: string; apiKey: KeyJson } | undefined;
  return { status, body, data };
}

async function rotate(key: string, input: Record<string, unknown>) {
  const { status, body } = await app.graphql(ROTATE, { key, variables: { input } });
  const data = body.data?.rotateApiKey as { secret: string; apiKey: KeyJson; previousApiKey: KeyJson } | undefined;
  return { status, body, data };
}

async function list(key: string): Promise<KeyJson[]> {
  const { status, body } = await app.graphql(LIST, { key });
  expect(status).toBe(200);
  return body.data?.apiKeys as KeyJson[];
}

async function works(key: string): Promise<boolean> {
  const { status, body } = await app.rest('/v1/brands', key);
  if (status === 200) return true;
  expect(status).toBe(401);
  expect(body).toEqual({ error: { code: 'invalid_api_key', message: 'Key is unknown or has been revoked.' } });
  return false;
}

function errorCode(body: { errors?: { extensions?: { code?: string } }[] }): string | undefined {
  return body.errors?.[0]?.extensions?.code;
}

describe('the full life of a key', () => {
  it('create → use → rotate (both work in the grace window, the old one stops after it) → revoke', async () => {
    const account = app.createAccount();

    // create: the secret is in this response and nowhere else.
    const created = await create(account.key, { name: '  Production  ' });
    expect(created.status).toBe(200);
    const secret = created.data?.secret ?? '';
    expect(secret).toMatch(/^dsrt_live_[0-9a-f]{40}$/);
    expect(created.data?.apiKey).toMatchObject({
      name: 'Production',
      last4: secret.slice(-4),
      preview: `…${secret.slice(-4)}`,
      status: 'ACTIVE',
      lastUsedAt: null,
      expiresAt: null,
      revokedAt: null,
    });
    const listing = await app.graphql(LIST, { key: account.key });
    expect(JSON.stringify(listing.body)).not.toContain(secret.slice(10));

    // use
    expect(await works(secret)).toBe(true);

    // rotate with the default grace period (300 s)
    const rotatedAt = app.clock.now();
    const rotated = await rotate(secret, { id: created.data?.apiKey.id });
    expect(rotated.status).toBe(200);
    const successor = rotated.data?.secret ?? '';
    expect(successor).toMatch(/^dsrt_live_[0-9a-f]{40}$/);
    expect(successor).not.toBe(secret);
    expect(rotated.data?.apiKey).toMatchObject({ name: 'Production', status: 'ACTIVE', last4: successor.slice(-4) });
    expect(rotated.data?.previousApiKey).toMatchObject({
      id: created.data?.apiKey.id,
      status: 'ROTATING',
      expiresAt: new Date(rotatedAt + 300_000).toISOString(),
      revokedAt: null,
    });

    // both keys work during the grace window...
    expect(await works(secret)).toBe(true);
    expect(await works(successor)).toBe(true);
    app.clock.advance(299_999);
    expect(await works(secret)).toBe(true);

    // ...and the old one stops at its end, without any job having run.
    app.clock.advance(1);
    expect(await works(secret)).toBe(false);
    expect(await works(successor)).toBe(true);
    const afterGrace = await list(account.key);
    expect(afterGrace.find((k) => k.id === created.data?.apiKey.id)?.status).toBe('EXPIRED');

    // rotating an expired key is a conflict
    const again = await rotate(successor, { id: created.data?.apiKey.id });
    expect(again.status).toBe(409);
    expect(errorCode(again.body)).toBe('api_key_not_rotatable');

    // revoke: immediate
    const revoked = await app.graphql(REVOKE, {
      key: account.key,
      variables: { input: { id: rotated.data?.apiKey.id } },
    });
    expect(revoked.status).toBe(200);
    expect(revoked.body.data?.revokeApiKey).toMatchObject({
      status: 'REVOKED',
      revokedAt: new Date(app.clock.now()).toISOString(),
    });
    expect(await works(successor)).toBe(false);
  });

  it('gracePeriodSeconds: 0 revokes the old key at once', async () => {
    const account = app.createAccount();
    const rotated = await rotate(account.key, { id: account.keyId, gracePeriodSeconds: 0 });
    expect(rotated.status).toBe(200);
    expect(rotated.data?.previousApiKey.status).toBe('REVOKED');
    expect(await works(account.key)).toBe(false);
    expect(await works(rotated.data?.secret ?? '')).toBe(true);
  });

  it('a grace period of 60 s ends after 60 s', async () => {
    const account = app.createAccount();
    const rotated = await rotate(account.key, { id: account.keyId, gracePeriodSeconds: 60 });
    expect(rotated.data?.previousApiKey.status).toBe('ROTATING');
    app.clock.advance(59_000);
    expect(await works(account.key)).toBe(true);
    app.clock.advance(1_000);
    expect(await works(account.key)).toBe(false);
  });

  it('a key that expires sooner than the grace period keeps its own expiry', async () => {
    const account = app.createAccount();
    const expiresAt = new Date(app.clock.now() + 30_000).toISOString();
    const created = await create(account.key, { expiresAt });
    const rotated = await rotate(account.key, { id: created.data?.apiKey.id });
    expect(rotated.data?.previousApiKey.expiresAt).toBe(expiresAt);
    expect(rotated.data?.apiKey.expiresAt).toBe(expiresAt);
  });

  it.each([-1, 301, 100_000])('gracePeriodSeconds %i is refused with 400 and changes nothing', async (grace) => {
    const account = app.createAccount();
    const before = await list(account.key);
    const rotated = await rotate(account.key, { id: account.keyId, gracePeriodSeconds: grace });
    expect(rotated.status).toBe(400);
    expect(errorCode(rotated.body)).toBe('invalid_input');
    expect(rotated.body.errors?.[0]?.message).toBe('gracePeriodSeconds must be an integer from 0 to 300.');
    expect(await list(account.key)).toEqual(before);
  });

  it('rotating a ROTATING or REVOKED key is a conflict (409)', async () => {
    const account = app.createAccount();
    const first = await rotate(account.key, { id: account.keyId });
    expect(first.status).toBe(200);
    const second = await rotate(account.key, { id: account.keyId });
    expect(second.status).toBe(409);
    expect(second.body.errors?.[0]).toMatchObject({
      message: 'Only an ACTIVE key can be rotated; this one was already rotated, expired or revoked.',
      extensions: { code: 'api_key_not_rotatable' },
    });
    const revoked = await rotate(first.data?.secret ?? '', { id: first.data?.apiKey.id, gracePeriodSeconds: 0 });
    expect(revoked.status).toBe(200);
    const onRevoked = await rotate(revoked.data?.secret ?? '', { id: first.data?.apiKey.id });
    expect(onRevoked.status).toBe(409);
  });
});

describe('revoking', () => {
  it('works on ACTIVE and ROTATING keys, and not twice', async () => {
    const account = app.createAccount();
    const extra = await create(account.key);
    const rotated = await rotate(account.key, { id: extra.data?.apiKey.id });
    const revokeRotating = await app.graphql(REVOKE, {
      key: account.key,
      variables: { input: { id: extra.data?.apiKey.id } },
    });
    expect(revokeRotating.status).toBe(200);
    expect(revokeRotating.body.data?.revokeApiKey).toMatchObject({ status: 'REVOKED' });
    expect(await works(extra.data?.secret ?? '')).toBe(false);

    const twice = await app.graphql(REVOKE, { key: account.key, variables: { input: { id: extra.data?.apiKey.id } } });
    expect(twice.status).toBe(409);
    expect(errorCode(twice.body)).toBe('api_key_not_revocable');

    // A key can revoke itself; the request that does it still succeeds, the next one does not.
    const self = await app.graphql(REVOKE, {
      key: rotated.data?.secret,
      variables: { input: { id: rotated.data?.apiKey.id } },
    });
    expect(self.status).toBe(200);
    expect(await works(rotated.data?.secret ?? '')).toBe(false);
  });
});

describe('concurrent rotation', () => {
  it('a dozen parallel rotations of one key yield exactly one successor; the rest get 409', async () => {
    const account = app.createAccount();
    const results = await Promise.all(Array.from({ length: 12 }, () => rotate(account.key, { id: account.keyId })));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(11);
    for (const r of results.filter((x) => x.status === 409)) expect(errorCode(r.body)).toBe('api_key_not_rotatable');
    const keys = await list(account.key);
    expect(keys).toHaveLength(2);
    expect(keys.map((k) => k.status).sort()).toEqual(['ACTIVE', 'ROTATING']);
  });

  it('two servers on the same database file: still exactly one successor', async () => {
    const second = await startTestServer({ dir: app.dir, clock: app.clock });
    try {
      const account = app.createAccount();
      const both = [app, second];
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          (both[i % 2] as TestServer).graphql(ROTATE, {
            key: account.key,
            variables: { input: { id: account.keyId } },
          }),
        ),
      );
      expect(results.filter((r) => r.status === 200)).toHaveLength(1);
      expect(results.filter((r) => r.status === 409)).toHaveLength(11);
      expect(await list(account.key)).toHaveLength(2);
    } finally {
      await second.server.close();
    }
  });
});

describe('isolation between accounts', () => {
  let owner: TestAccount;
  let stranger: TestAccount;
  beforeAll(() => {
    owner = app.createAccount({ name: 'Owner' });
    stranger = app.createAccount({ name: 'Stranger' });
  });

  it('apiKeys lists only the caller account’s keys', async () => {
    const keys = await list(stranger.key);
    expect(keys.map((k) => k.id)).toEqual([stranger.keyId]);
  });

  it.each([
    ['another account’s key id', () => owner.keyId],
    ['an unknown key id', () => 'key_000000000000000000000000'],
    ['a malformed id', () => "' OR 1=1 --"],
    ['an empty id', () => ''],
  ])('%s gets the same 404 on rotate and revoke, and changes nothing', async (_name, id) => {
    for (const query of [ROTATE, REVOKE]) {
      const { status, body } = await app.graphql(query, { key: stranger.key, variables: { input: { id: id() } } });
      expect(status).toBe(404);
      expect(body.errors?.[0]).toMatchObject({
        message: 'No API key with this id exists in your account.',
        extensions: { code: 'api_key_not_found' },
      });
    }
    expect(await works(owner.key)).toBe(true);
    expect((await list(owner.key)).map((k) => k.status)).toEqual(['ACTIVE']);
  });
});

describe('the live-key limit (5 in this server)', () => {
  it('refuses a sixth live key with 409, and makes room when one is revoked', async () => {
    const account = app.createAccount(); // 1 live key
    for (let i = 0; i < 4; i += 1) expect((await create(account.key)).status).toBe(200);
    const refused = await create(account.key);
    expect(refused.status).toBe(409);
    expect(refused.body.errors?.[0]).toMatchObject({
      message: 'This account has reached its limit of live API keys. Revoke one first.',
      extensions: { code: 'api_key_limit_reached' },
    });
    // At the limit, a rotation that keeps the old key alive needs room; one without grace fits.
    expect((await rotate(account.key, { id: account.keyId })).status).toBe(409);
    const replaced = await rotate(account.key, { id: account.keyId, gracePeriodSeconds: 0 });
    expect(replaced.status).toBe(200);
    const keys = await list(replaced.data?.secret ?? '');
    expect(keys.filter((k) => k.status === 'ACTIVE' || k.status === 'ROTATING')).toHaveLength(5);
    const victim = keys.find((k) => k.status === 'ACTIVE' && k.id !== replaced.data?.apiKey.id);
    await app.graphql(REVOKE, { key: replaced.data?.secret, variables: { input: { id: victim?.id } } });
    expect((await create(replaced.data?.secret ?? '')).status).toBe(200);
  });

  it('parallel creations never go past the limit', async () => {
    const account = app.createAccount();
    const results = await Promise.all(Array.from({ length: 20 }, () => create(account.key)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(4);
    expect(results.filter((r) => r.status === 409)).toHaveLength(16);
    expect(await list(account.key)).toHaveLength(5);
  });

  it('expired keys do not count', async () => {
    const account = app.createAccount();
    const soon = new Date(app.clock.now() + 1000).toISOString();
    for (let i = 0; i < 4; i += 1) expect((await create(account.key, { expiresAt: soon })).status).toBe(200);
    expect((await create(account.key)).status).toBe(409);
    app.clock.advance(1000);
    expect((await create(account.key)).status).toBe(200);
  });
});

describe('creation input', () => {
  it('defaults the name', async () => {
    const account = app.createAccount();
    expect((await create(account.key)).data?.apiKey.name).toBe('Secret key');
    expect((await create(account.key, { name: null })).data?.apiKey.name).toBe('Secret key');
  });

  it.each([
    [{ name: '   ' }, 'name must be 1 to 100 characters after trimming.'],
    [{ name: 'x'.repeat(101) }, 'name must be 1 to 100 characters after trimming.'],
    [{ expiresAt: '2000-01-01T00:00:00Z' }, 'expiresAt must be in the future.'],
  ])('%j → 400 invalid_input', async (input, message) => {
    const account = app.createAccount();
    const { status, body } = await create(account.key, input);
    expect(status).toBe(400);
    expect(body.errors?.[0]).toMatchObject({ message, extensions: { code: 'invalid_input' } });
    expect(await list(account.key)).toHaveLength(1);
  });

  it.each(['tomorrow', '2027-01-01', '2027-13-45T00:00:00Z', 12])(
    'expiresAt %j is not a DateTime → 400',
    async (expiresAt) => {
      const account = app.createAccount();
      const { status, body } = await create(account.key, { expiresAt });
      expect(status).toBe(400);
      expect(errorCode(body)).toBe('invalid_input');
      expect(await list(account.key)).toHaveLength(1);
    },
  );

  it('a key with an expiry stops working at that instant and shows EXPIRED', async () => {
    const account = app.createAccount();
    const expiresAt = new Date(app.clock.now() + 10_000);
    const created = await create(account.key, { expiresAt: expiresAt.toISOString() });
    expect(created.data?.apiKey.expiresAt).toBe(expiresAt.toISOString());
    app.clock.advance(9_999);
    expect(await works(created.data?.secret ?? '')).toBe(true);
    app.clock.advance(1);
    expect(await works(created.data?.secret ?? '')).toBe(false);
    expect((await list(account.key)).find((k) => k.id === created.data?.apiKey.id)?.status).toBe('EXPIRED');
  });
});

describe('apiKeys', () => {
  it('lists newest first, revoked ones included', async () => {
    const account = app.createAccount();
    app.clock.advance(1000);
    const second = await create(account.key, { name: 'second' });
    app.clock.advance(1000);
    const third = await create(account.key, { name: 'third' });
    await app.graphql(REVOKE, { key: account.key, variables: { input: { id: second.data?.apiKey.id } } });
    const keys = await list(account.key);
    expect(keys.map((k) => [k.name, k.status])).toEqual([
      ['third', 'ACTIVE'],
      ['second', 'REVOKED'],
      ['Default key', 'ACTIVE'],
    ]);
    expect(keys[0]?.id).toBe(third.data?.apiKey.id);
  });
});

describe('lastUsedAt', () => {
  it('shows the latest use at once, and survives a restart', async () => {
    const dir = (await import('./support/server.ts')).tempDir();
    const first = await startTestServer({ dir });
    const account = first.createAccount();
    first.clock.advance(5000);
    const usedAt = first.clock.now();
    expect((await first.rest('/v1/brands', account.key)).status).toBe(200);
    const seen = await first.graphql('{ apiKeys { id lastUsedAt } }', { key: account.key });
    // The listing request itself is a use too, at the same clock time.
    expect(seen.body.data?.apiKeys).toEqual([{ id: account.keyId, lastUsedAt: new Date(usedAt).toISOString() }]);
    await first.server.close(); // graceful: saves pending uses

    const db = new Database(first.databasePath, { readonly: true });
    expect(db.prepare('select last_used_at as t from api_keys where id = ?').get(account.keyId)).toEqual({ t: usedAt });
    db.close();

    const second = await startTestServer({ dir });
    const other = second.createAccount();
    const list2 = await second.graphql('{ apiKeys { id lastUsedAt } }', { key: other.key });
    expect(list2.status).toBe(200);
    second.server.services.keys.flushLastUsed();
    const reread = new Database(second.databasePath, { readonly: true });
    expect(reread.prepare('select last_used_at as t from api_keys where id = ?').get(account.keyId)).toEqual({
      t: usedAt,
    });
    reread.close();
    await second.close();
  });

  it('authenticating writes nothing to the database until the flush', async () => {
    const account = app.createAccount();
    const db = new Database(app.databasePath, { readonly: true });
    const version = () => db.pragma('data_version', { simple: true });
    const before = version();
    for (let i = 0; i < 20; i += 1) expect((await app.rest('/v1/brands', account.key)).status).toBe(200);
    expect(version()).toBe(before);
    expect(app.server.services.keys.flushLastUsed()).toBeGreaterThan(0);
    expect(version()).not.toBe(before);
    db.close();
  });
});

describe('leaked keys: dessert keys revoke-leaked', () => {
  it('revokes each known key from stdin at once, against a running server, and counts the rest', async () => {
    const a = app.createAccount();
    const b = app.createAccount();
    const extra = await create(a.key);
    const stdin = [a.key, `  ${b.key}  `, generateApiKey(), 'not-a-key', '', extra.data?.secret].join('\n');
    const result = runCli(['keys', 'revoke-leaked'], { DATABASE_URL: app.databaseUrl }, stdin);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.json).toEqual({ revoked: 3, unknown: 2 });
    expect(result.stdout).not.toContain('dsrt_live_');
    expect(await works(a.key)).toBe(false);
    expect(await works(b.key)).toBe(false);
    expect(await works(extra.data?.secret ?? '')).toBe(false);
  });
});

describe('the audit trail', () => {
  it('records create, rotate, revoke and leak revocation with who, when and from where, newest first', async () => {
    const account = app.createAccount();
    const created = await create(account.key, { name: 'audited' });
    const rotated = await rotate(account.key, { id: created.data?.apiKey.id, gracePeriodSeconds: 10 });
    await app.graphql(REVOKE, {
      key: rotated.data?.secret,
      variables: { input: { id: created.data?.apiKey.id } },
      headers: { 'x-forwarded-for': '203.0.113.77' },
    });
    runCli(['keys', 'revoke-leaked'], { DATABASE_URL: app.databaseUrl }, `${rotated.data?.secret}\n`);

    const query = `query Audit($first: Int, $after: String) { auditEvents(first: $first, after: $after) {
      nodes { id action apiKeyId actorType actorApiKeyId clientAddress createdAt }
      pageInfo { hasNextPage endCursor } } }`;
    const { status, body } = await app.graphql(query, { key: account.key });
    expect(status).toBe(200);
    const page = body.data?.auditEvents as {
      nodes: Record<string, unknown>[];
      pageInfo: { hasNextPage: boolean; endCursor: string };
    };
    expect(page.nodes.map((n) => [n.action, n.apiKeyId, n.actorType, n.actorApiKeyId])).toEqual([
      ['API_KEY_LEAK_REVOKED', rotated.data?.apiKey.id, 'OPERATOR', null],
      ['API_KEY_REVOKED', created.data?.apiKey.id, 'API_KEY', rotated.data?.apiKey.id],
      ['API_KEY_ROTATED', created.data?.apiKey.id, 'API_KEY', account.keyId],
      ['API_KEY_CREATED', created.data?.apiKey.id, 'API_KEY', account.keyId],
      ['API_KEY_CREATED', account.keyId, 'OPERATOR', null],
    ]);
    expect(page.nodes[1]?.clientAddress).toBe('203.0.113.77');
    expect(page.nodes[0]?.clientAddress).toBeNull();
    expect(page.pageInfo.hasNextPage).toBe(false);

    // Paging: two at a time, newest first, no overlap, nothing missed.
    const first = await app.graphql(query, { key: account.key, variables: { first: 2 } });
    const p1 = first.body.data?.auditEvents as typeof page;
    expect(p1.nodes.map((n) => n.id)).toEqual(page.nodes.slice(0, 2).map((n) => n.id));
    expect(p1.pageInfo.hasNextPage).toBe(true);
    const second = await app.graphql(query, {
      key: account.key,
      variables: { first: 2, after: p1.pageInfo.endCursor },
    });
    const p2 = second.body.data?.auditEvents as typeof page;
    expect(p2.nodes.map((n) => n.id)).toEqual(page.nodes.slice(2, 4).map((n) => n.id));

    // Another account sees none of it.
    const other = app.createAccount();
    const theirs = await app.graphql(query, { key: other.key });
    const theirPage = theirs.body.data?.auditEvents as typeof page;
    const ids = theirPage.nodes.map((n) => n.apiKeyId);
    expect(ids).toEqual([other.keyId]);
  });

  it.each([
    [{ first: 0 }, 'first must be from 1 to 100.'],
    [{ first: 101 }, 'first must be from 1 to 100.'],
    [{ after: 'garbage' }, 'after is not a cursor this API returned.'],
  ])('%j → 400 invalid_input', async (variables, message) => {
    const account = app.createAccount();
    const { status, body } = await app.graphql(
      'query A($first: Int, $after: String) { auditEvents(first: $first, after: $after) { nodes { id } } }',
      { key: account.key, variables },
    );
    expect(status).toBe(400);
    expect(body.errors?.[0]).toMatchObject({ message, extensions: { code: 'invalid_input' } });
  });
});
