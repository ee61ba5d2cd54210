// SPEC §8 over real HTTP: no plaintext key at rest or in logs, no browser access, bounded work per
// request, throttled guessing, and the secret-scanning endpoint.

import { generateKeyPairSync, sign } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.ts';
import { generateApiKey, hashApiKey } from '../src/keys/api-key.ts';
import { createAuthThrottle } from '../src/security/auth-throttle.ts';
import { MAX_BODY_BYTES } from '../src/security/request-limits.ts';
import { runCli } from './support/processes.ts';
import { freshClient, startTestServer, type TestServer, tempDir } from './support/server.ts';

describe('no plaintext key at rest, in logs or in errors', () => {
  it('after a full workload, neither the database, its WAL nor the logs hold any key; every hash is stored', async () => {
    const app = await startTestServer({ env: { LOG_LEVEL: 'trace' } });
    const plaintexts: string[] = [];
    const account = app.createAccount();
    plaintexts.push(account.key);

    for (let i = 0; i < 3; i += 1) {
      const created = await app.graphql('mutation { createApiKey(input: { name: "w" }) { secret apiKey { id } } }', {
        key: account.key,
      });
      const data = created.body.data?.createApiKey as { secret: string; apiKey: { id: string } };
      plaintexts.push(data.secret);
      const rotated = await app.graphql(
        'mutation R($id: ID!) { rotateApiKey(input: { id: $id }) { secret apiKey { id } } }',
        { key: data.secret, variables: { id: data.apiKey.id } },
      );
      const successor = rotated.body.data?.rotateApiKey as { secret: string; apiKey: { id: string } };
      plaintexts.push(successor.secret);
      await app.graphql('mutation V($id: ID!) { revokeApiKey(input: { id: $id }) { id } }', {
        key: account.key,
        variables: { id: successor.apiKey.id },
      });
    }
    // Keys sent where they do not belong: wrong scheme, query strings, GraphQL literals and
    // variables that the server quotes back in its error messages, a request id header.
    const key = account.key;
    const stranger = generateApiKey();
    plaintexts.push(stranger);
    const echoes = [
      await app.rest('/v1/balance', null, { headers: { authorization: `Basic ${key}` } }),
      await app.rest(`/v1/balance?api_key=${key}`, stranger),
      await app.rest('/v1/brands', null, { headers: { authorization: key, 'x-request-id': key } }),
      await app.graphql(`{ brands(key: "${key}") { id } }`, { key }),
      await app.graphql(`mutation { createApiKey(input: { expiresAt: "${key}" }) { secret } }`, { key }),
      await app.graphql('mutation C($e: DateTime) { createApiKey(input: { expiresAt: $e }) { secret } }', {
        key,
        variables: { e: key },
      }),
      await app.graphql(`{ ${key} }`, { key }),
      await app.graphql(`{ balance { amountCents ${key.slice(0, 20)}`, { key }),
    ];
    expect(echoes[2]?.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    for (const echo of echoes) {
      expect(echo.status).toBeGreaterThanOrEqual(400);
      expect(JSON.stringify(echo.body)).not.toMatch(/dsrt_live_[0-9a-f]{6}/);
    }
    runCli(['keys', 'revoke-leaked'], { DATABASE_URL: app.databaseUrl }, `${plaintexts[1]}\n`);

    // While the server runs, the WAL holds the recent pages: read both files as bytes.
    const files = [app.databasePath, `${app.databasePath}-wal`].filter((path) => existsSync(path));
    expect(files).toHaveLength(2);
    const logText = app.logs.join('');
    expect(logText.length).toBeGreaterThan(1000);
    for (const path of files) {
      const bytes = readFileSync(path).toString('latin1');
      for (const plaintext of plaintexts) {
        expect(bytes.includes(plaintext), `${path} holds a plaintext key`).toBe(false);
        expect(bytes.includes(plaintext.slice(10)), `${path} holds a key's random part`).toBe(false);
      }
    }
    for (const plaintext of plaintexts) {
      expect(logText.includes(plaintext.slice(10)), 'a log line holds a key').toBe(false);
    }
    expect(logText).toContain('[REDACTED]');
    await app.server.close();

    const db = new Database(app.databasePath, { readonly: true });
    const hashes = new Set(
      db
        .prepare('select key_hash as h from api_keys')
        .all()
        .map((row) => (row as { h: string }).h),
    );
    db.close();
    for (const plaintext of plaintexts.filter((p) => p !== stranger))
      expect(hashes.has(hashApiKey(plaintext))).toBe(true);
    expect(hashes.has(hashApiKey(stranger))).toBe(false);
  });
});

describe('no browser access (no CORS)', () => {
  let app: TestServer;
  beforeAll(async () => {
    app = await startTestServer();
  });
  afterAll(() => app.close());

  it('refuses a preflight from another origin, with no Access-Control-Allow-Origin', async () => {
    for (const path of ['/graphql', '/v1/balance']) {
      const response = await fetch(`${app.baseUrl}${path}`, {
        method: 'OPTIONS',
        headers: {
          ...freshClient(),
          origin: 'https://evil.example',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type',
        },
      });
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      expect(response.headers.get('access-control-allow-headers')).toBeNull();
    }
  });

  it('answers a cross-origin request with a valid key without any CORS allowance', async () => {
    const account = app.createAccount();
    const graphql = await app.graphql('{ brands { id } }', {
      key: account.key,
      headers: { origin: 'https://evil.example' },
    });
    expect(graphql.status).toBe(200);
    expect(graphql.headers.get('access-control-allow-origin')).toBeNull();
    const rest = await app.rest('/v1/brands', account.key, { headers: { origin: 'https://evil.example' } });
    expect(rest.status).toBe(200);
    expect(rest.headers.get('access-control-allow-origin')).toBeNull();
    expect(rest.headers.get('access-control-allow-credentials')).toBeNull();
  });
});

describe('bounded work per request', () => {
  let app: TestServer;
  let key: string;
  beforeAll(async () => {
    app = await startTestServer({ env: { MAX_LIVE_KEYS_PER_ACCOUNT: '3' } });
    key = app.createAccount().key;
  });
  afterAll(() => app.close());

  const deep = `{ __type(name: "ApiKey") { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } }`;
  const aliases = `{ ${Array.from({ length: 16 }, (_, i) => `a${i}: brands { id }`).join(' ')} }`;
  const tokens = `{ brands { ${'id '.repeat(1000)}} }`;
  const directives = `{ brands { ${'id @skip(if: false) '.repeat(21)}} }`;
  const twoMutations = 'mutation { a: createApiKey { secret } b: createApiKey { secret } }';

  it.each([
    { name: 'a query nested 9 deep', query: deep, code: 'query_too_deep' },
    { name: '16 aliases', query: aliases, code: 'too_many_aliases' },
    { name: 'over 1000 tokens', query: tokens, code: 'too_many_tokens' },
    { name: '21 directives', query: directives, code: 'too_many_directives' },
    { name: 'two mutation fields', query: twoMutations, code: 'one_mutation_per_request' },
  ])('$name → 400 $code', async ({ query, code }) => {
    const { status, body } = await app.graphql(query, { key });
    expect(status).toBe(400);
    expect(body.errors?.map((e) => e.extensions?.code)).toContain(code);
    expect(body.data).toBeUndefined();
  });

  it('within the limits, the same shapes work', async () => {
    expect(
      (await app.graphql(`{ ${Array.from({ length: 15 }, (_, i) => `a${i}: brands { id }`).join(' ')} }`, { key }))
        .status,
    ).toBe(200);
    expect((await app.graphql(`{ brands { ${'id @skip(if: false) '.repeat(20)}} }`, { key })).status).toBe(200);
  });

  it('two mutation fields create no key', async () => {
    const account = app.createAccount();
    await app.graphql(twoMutations, { key: account.key });
    const { body } = await app.graphql('{ apiKeys { id } }', { key: account.key });
    expect(body.data?.apiKeys).toHaveLength(1);
  });

  it('a body over the cap (Content-Length) → 413 request_too_large', async () => {
    const response = await fetch(`${app.baseUrl}/graphql`, {
      method: 'POST',
      headers: { ...freshClient(), authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ brands { id } }${' '.repeat(MAX_BODY_BYTES)}` }),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      errors: [{ message: 'The request body is too large.', extensions: { code: 'request_too_large' } }],
    });
  });

  it('a chunked body that grows over the cap → 413, a small chunked body works', async () => {
    const send = (size: number) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const request = httpRequest(`${app.baseUrl}/graphql`, {
          method: 'POST',
          headers: { ...freshClient(), authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        });
        request.on('response', (response) => {
          let body = '';
          response.on('data', (chunk) => {
            body += chunk;
          });
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
        });
        request.on('error', reject);
        const payload = JSON.stringify({ query: `{ brands { id } }${' '.repeat(size)}` });
        for (let i = 0; i < payload.length; i += 4096) request.write(payload.slice(i, i + 4096));
        request.end();
      });
    const big = await send(MAX_BODY_BYTES);
    expect(big.status).toBe(413);
    expect(JSON.parse(big.body)).toMatchObject({ errors: [{ extensions: { code: 'request_too_large' } }] });
    const small = await send(100);
    expect(small.status).toBe(200);
  });

  it('a burst of creations cannot exceed the live-key limit', async () => {
    const account = app.createAccount();
    const results = await Promise.all(
      Array.from({ length: 10 }, () => app.graphql('mutation { createApiKey { secret } }', { key: account.key })),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(2);
    const { body } = await app.graphql('{ apiKeys { id } }', { key: account.key });
    expect(body.data?.apiKeys).toHaveLength(3);
  });
});

describe('throttled guessing', () => {
  let app: TestServer;
  let key: string;
  const clock = new ManualClock(Date.UTC(2026, 11, 4));
  beforeAll(async () => {
    app = await startTestServer({ env: { AUTH_FAILURE_LIMIT: '20' }, clock });
    key = app.createAccount().key;
  });
  afterAll(() => app.close());

  const from = (address: string) => ({ 'x-forwarded-for': address });

  it('past the limit an address gets 429 with Retry-After until its window passes; others are unaffected', async () => {
    const guesser = from('198.51.100.7');
    for (let i = 0; i < 20; i += 1) {
      expect((await app.rest('/v1/balance', generateApiKey(), { headers: guesser })).status).toBe(401);
    }
    clock.advance(15_000);
    const blocked = await app.rest('/v1/balance', generateApiKey(), { headers: guesser });
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get('retry-after')).toBe('45');
    expect(blocked.body).toEqual({
      error: { code: 'rate_limited', message: 'Too many failed authentication attempts. Retry later.' },
    });
    // Even a valid key from that address waits; GraphQL answers in its own shape.
    const graphql = await app.graphql('{ brands { id } }', { key, headers: guesser });
    expect(graphql.status).toBe(429);
    expect(graphql.body.errors?.[0]?.extensions?.code).toBe('rate_limited');
    // Another address, valid or not, is unaffected.
    expect((await app.rest('/v1/balance', key, { headers: from('198.51.100.8') })).status).toBe(200);
    expect((await app.rest('/v1/balance', generateApiKey(), { headers: from('198.51.100.8') })).status).toBe(401);
    // When the window passes, the address is let in again.
    clock.advance(45_000);
    expect((await app.rest('/v1/balance', key, { headers: guesser })).status).toBe(200);
  });

  it('successful and suspended-account requests do not count as guesses', async () => {
    const address = from('198.51.100.9');
    for (let i = 0; i < 40; i += 1) expect((await app.rest('/v1/brands', key, { headers: address })).status).toBe(200);
    const suspended = app.createAccount();
    app.server.services.accounts.suspendAccount(suspended.accountId);
    for (let i = 0; i < 25; i += 1) {
      expect((await app.rest('/v1/brands', suspended.key, { headers: address })).status).toBe(403);
    }
  });

  it('without TRUST_PROXY, X-Forwarded-For cannot spread guesses over made-up addresses', async () => {
    const direct = await startTestServer({ env: { AUTH_FAILURE_LIMIT: '20', TRUST_PROXY: 'false' } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 21; i += 1) {
        const { status } = await direct.rest('/v1/balance', generateApiKey()); // fresh X-Forwarded-For each time
        statuses.push(status);
      }
      expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
      expect(statuses[20]).toBe(429);
    } finally {
      await direct.close();
    }
  });

  it('memory stays bounded under a flood of addresses (LRU)', () => {
    const throttle = createAuthThrottle({ limit: 20, clock, maxTrackedAddresses: 1000 });
    for (let i = 0; i < 50_000; i += 1) throttle.recordFailure(`2001:db8::${i.toString(16)}`);
    expect(throttle.trackedAddresses).toBe(1000);
    // A blocked address that keeps trying stays tracked while the flood goes on.
    const persistent = '198.51.100.200';
    for (let i = 0; i < 20; i += 1) throttle.recordFailure(persistent);
    for (let i = 0; i < 5000; i += 1) {
      throttle.recordFailure(`2001:db8::1:${i.toString(16)}`);
      if (i % 100 === 0) expect(throttle.retryAfterSeconds(persistent)).toBeGreaterThan(0);
    }
  });
});

describe('secret-scanning endpoint (GitHub partner program)', () => {
  let app: TestServer;
  const github = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const impostor = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const keyId = 'bcb53661c06b4728e59d897fb6165d5c9cda0fd9cdf9d09ead458168deb7518c';

  beforeAll(async () => {
    const dir = tempDir();
    const keysFile = join(dir, 'github-keys.json');
    writeFileSync(
      keysFile,
      JSON.stringify({
        public_keys: [
          {
            key_identifier: keyId,
            key: github.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
            is_current: true,
          },
        ],
      }),
    );
    app = await startTestServer({ env: { SECRET_SCANNING_PUBLIC_KEYS: keysFile } });
  });
  afterAll(() => app.close());

  function report(body: string, signer = github.privateKey, identifier = keyId, extra: Record<string, string> = {}) {
    return fetch(`${app.baseUrl}/v1/secret-scanning/revoke`, {
      method: 'POST',
      headers: {
        ...freshClient(),
        'content-type': 'application/json',
        'github-public-key-identifier': identifier,
        'github-public-key-signature': sign('sha256', Buffer.from(body), { key: signer, dsaEncoding: 'der' }).toString(
          'base64',
        ),
        ...extra,
      },
      body,
    });
  }

  it('revokes every reported key at once, labels each token, and records it', async () => {
    const account = app.createAccount();
    const unknown = generateApiKey();
    const body = JSON.stringify([
      { token: account.key, type: 'dessert_api_key', url: 'https://github.com/o/r/blob/x/.env', source: 'content' },
      { token: unknown, type: 'dessert_api_key', url: 'https://gist.github.com/x', source: 'gist' },
    ]);
    const response = await report(body);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([
      { token_hash: hashApiKey(account.key), token_type: 'dessert_api_key', label: 'true_positive' },
      { token_hash: hashApiKey(unknown), token_type: 'dessert_api_key', label: 'false_positive' },
    ]);
    expect((await app.rest('/v1/brands', account.key)).status).toBe(401);
    const trail = app.server.services.keys.listAuditEvents(account.accountId, { first: 1 });
    expect(trail.events[0]).toMatchObject({ action: 'api_key.leak_revoked', actorType: 'secret_scanning' });
  });

  it.each([
    ['signed by another key', (body: string) => report(body, impostor.privateKey)],
    ['an unknown key identifier', (body: string) => report(body, github.privateKey, 'nope')],
    [
      'a body changed after signing',
      (body: string) =>
        report(body, github.privateKey, keyId, {
          'github-public-key-signature': sign('sha256', Buffer.from(`${body} `), {
            key: github.privateKey,
            dsaEncoding: 'der',
          }).toString('base64'),
        }),
    ],
    [
      'no signature headers',
      (body: string) =>
        fetch(`${app.baseUrl}/v1/secret-scanning/revoke`, { method: 'POST', headers: freshClient(), body }),
    ],
    [
      'a signature that is not base64 DER',
      (body: string) => report(body, github.privateKey, keyId, { 'github-public-key-signature': '!!' }),
    ],
  ])('%s → 401 invalid_signature, nothing revoked', async (_name, send) => {
    const account = app.createAccount();
    const response = await send(
      JSON.stringify([{ token: account.key, type: 'dessert_api_key', url: '', source: 'content' }]),
    );
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      error: { code: 'invalid_signature', message: 'The payload signature is missing or does not verify.' },
    });
    expect((await app.rest('/v1/brands', account.key)).status).toBe(200);
  });

  it('a signed body that is not the documented payload → 400', async () => {
    for (const body of ['{not json', '{"token":"x"}', '[{"type":"x"}]']) {
      const response = await report(body);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('bad_request');
    }
  });

  it('answers 405 to another method', async () => {
    const response = await fetch(`${app.baseUrl}/v1/secret-scanning/revoke`, { headers: freshClient() });
    expect(response.status).toBe(405);
  });
});

describe('access logs and request ids', () => {
  it('each request is logged once with its id, status and caller, never its Authorization header', async () => {
    const app = await startTestServer({ env: { LOG_LEVEL: 'info' } });
    try {
      const account = app.createAccount();
      const response = await app.rest('/v1/brands', account.key, { headers: { 'x-request-id': 'trace-42' } });
      expect(response.headers.get('x-request-id')).toBe('trace-42');
      const generated = await app.rest('/v1/brands', account.key);
      expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      const lines = app.logs.map((line) => JSON.parse(line) as Record<string, unknown>);
      const entry = lines.find((line) => line.requestId === 'trace-42');
      expect(entry).toMatchObject({
        msg: 'request',
        method: 'GET',
        path: '/v1/brands',
        status: 200,
        accountId: account.accountId,
        keyId: account.keyId,
      });
      expect(lines.filter((line) => line.requestId === 'trace-42')).toHaveLength(1);
      expect(app.logs.join('')).not.toContain(account.key.slice(10));
    } finally {
      await app.close();
    }
  });
});
