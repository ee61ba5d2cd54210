// SPEC §3 over real HTTP: every documented error on GraphQL and on REST, with its status, code,
// message and headers, and the header-parsing rules of RFC 6750 / RFC 7235.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey } from '../src/keys/api-key.ts';
import { freshClient, startTestServer, type TestAccount, type TestServer } from './support/server.ts';

let app: TestServer;
let ready: TestAccount;
let onboarding: TestAccount;
let suspended: TestAccount;
let revokedKey: string;

beforeAll(async () => {
  app = await startTestServer();
  ready = app.createAccount({ name: 'Ready', balanceCents: 12_345 });
  onboarding = app.createAccount({ name: 'Onboarding', onboarding: true, brandDomain: 'slow.example' });
  suspended = app.createAccount({ name: 'Suspended' });
  app.server.services.accounts.suspendAccount(suspended.accountId);
  const extra = app.server.services.keys.createApiKey(ready.accountId, { name: 'to revoke' }, { type: 'operator' });
  app.server.services.keys.revokeApiKey(ready.accountId, extra.apiKey.id, { type: 'operator' });
  revokedKey = extra.secret;
});
afterAll(() => app.close());

const REALM = 'Bearer realm="dessert"';
const INVALID_TOKEN = 'Bearer realm="dessert", error="invalid_token"';

interface Case {
  name: string;
  authorization: () => string | undefined;
  status: number;
  code: string;
  message: string;
  wwwAuthenticate?: string;
}

const cases: Case[] = [
  {
    name: 'no Authorization header',
    authorization: () => undefined,
    status: 401,
    code: 'missing_authorization',
    message: 'No Authorization header was sent.',
    wwwAuthenticate: REALM,
  },
  {
    name: 'an empty Authorization header',
    authorization: () => '',
    status: 401,
    code: 'missing_authorization',
    message: 'No Authorization header was sent.',
    wwwAuthenticate: REALM,
  },
  {
    name: 'the Basic scheme',
    authorization: () => 'Basic dXNlcjpwYXNz',
    status: 401,
    code: 'invalid_authorization_scheme',
    message: "Header didn't start with Bearer .",
    wwwAuthenticate: REALM,
  },
  {
    name: 'a key with no scheme',
    authorization: () => ready.key,
    status: 401,
    code: 'invalid_authorization_scheme',
    message: "Header didn't start with Bearer .",
    wwwAuthenticate: REALM,
  },
  {
    name: 'a scheme that only starts with Bearer',
    authorization: () => `Bearerx ${ready.key}`,
    status: 401,
    code: 'invalid_authorization_scheme',
    message: "Header didn't start with Bearer .",
    wwwAuthenticate: REALM,
  },
  {
    name: 'Bearer with an empty token',
    authorization: () => 'Bearer ',
    status: 401,
    code: 'invalid_key_format',
    message: 'Key did not begin with dsrt_live_.',
    wwwAuthenticate: INVALID_TOKEN,
  },
  {
    name: 'a token with another prefix',
    authorization: () => `Bearer sk_live_${'a'.repeat(40)}`,
    status: 401,
    code: 'invalid_key_format',
    message: 'Key did not begin with dsrt_live_.',
    wwwAuthenticate: INVALID_TOKEN,
  },
  {
    name: 'a key one character short',
    authorization: () => `Bearer ${ready.key.slice(0, -1)}`,
    status: 401,
    code: 'invalid_key_format',
    message: 'Key must be dsrt_live_ followed by 40 hexadecimal characters.',
    wwwAuthenticate: INVALID_TOKEN,
  },
  {
    name: 'a key one character long',
    authorization: () => `Bearer ${ready.key}0`,
    status: 401,
    code: 'invalid_key_format',
    message: 'Key must be dsrt_live_ followed by 40 hexadecimal characters.',
    wwwAuthenticate: INVALID_TOKEN,
  },
  {
    name: 'a key in upper-case hex',
    authorization: () => `Bearer dsrt_live_${ready.key.slice(10).toUpperCase()}`,
    status: 401,
    code: 'invalid_key_format',
    message: 'Key must be dsrt_live_ followed by 40 hexadecimal characters.',
    wwwAuthenticate: INVALID_TOKEN,
  },
  {
    name: 'a well-formed unknown key',
    authorization: () => `Bearer ${generateApiKey()}`,
    status: 401,
    code: 'invalid_api_key',
    message: 'Key is unknown or has been revoked.',
    wwwAuthenticate: INVALID_TOKEN,
  },
  {
    name: 'a revoked key',
    authorization: () => `Bearer ${revokedKey}`,
    status: 401,
    code: 'invalid_api_key',
    message: 'Key is unknown or has been revoked.',
    wwwAuthenticate: INVALID_TOKEN,
  },
  {
    name: 'a valid key of a suspended account',
    authorization: () => `Bearer ${suspended.key}`,
    status: 403,
    code: 'account_suspended',
    message: 'Account is suspended. Contact support.',
  },
];

function headersWith(authorization: string | undefined): Record<string, string> {
  return authorization === undefined ? freshClient() : { ...freshClient(), authorization };
}

describe('documented authentication errors on GraphQL', () => {
  it.each(cases)('$name → $status $code', async (c) => {
    const response = await fetch(`${app.baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headersWith(c.authorization()) },
      body: JSON.stringify({ query: '{ brands { id } }' }),
    });
    expect(response.status).toBe(c.status);
    expect(await response.json()).toEqual({ errors: [{ message: c.message, extensions: { code: c.code } }] });
    expect(response.headers.get('www-authenticate')).toBe(c.wwwAuthenticate ?? null);
  });

  it.each(cases)('$name → $status with Accept: application/graphql-response+json too', async (c) => {
    const response = await fetch(`${app.baseUrl}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json',
        ...headersWith(c.authorization()),
      },
      body: JSON.stringify({ query: '{ brands { id } }' }),
    });
    expect(response.status).toBe(c.status);
    expect(response.headers.get('content-type')).toContain('application/graphql-response+json');
    expect(((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe(
      c.code,
    );
  });
});

describe('documented authentication errors on REST', () => {
  it.each(cases.flatMap((c) => ['/v1/balance', '/v1/brands'].map((path) => ({ ...c, path }))))(
    '$path, $name → $status $code',
    async (c) => {
      const response = await fetch(`${app.baseUrl}${c.path}`, { headers: headersWith(c.authorization()) });
      expect(response.status).toBe(c.status);
      expect(await response.json()).toEqual({ error: { code: c.code, message: c.message } });
      expect(response.headers.get('www-authenticate')).toBe(c.wwwAuthenticate ?? null);
    },
  );
});

describe('header parsing (RFC 6750 / RFC 7235)', () => {
  it.each(['Bearer', 'bearer', 'BEARER', 'bEaReR'])('accepts the scheme written %s', async (scheme) => {
    const { status, body } = await app.graphql('{ brands { domain } }', { authorization: `${scheme} ${ready.key}` });
    expect(status).toBe(200);
    expect(body.data).toEqual({ brands: [{ domain: 'test-brand.example' }] });
  });

  it('accepts several spaces between the scheme and the key', async () => {
    const { status } = await app.rest('/v1/brands', null, { headers: { authorization: `Bearer    ${ready.key}` } });
    expect(status).toBe(200);
  });

  it('refuses a key followed by more credentials', async () => {
    const { status, body } = await app.rest('/v1/brands', null, {
      headers: { authorization: `Bearer ${ready.key} ${ready.key}` },
    });
    expect(status).toBe(401);
    expect(body).toEqual({
      error: { code: 'invalid_key_format', message: 'Key must be dsrt_live_ followed by 40 hexadecimal characters.' },
    });
  });
});

describe('authentication comes before the request is read', () => {
  it('a malformed query without a key gets 401, not a parse error', async () => {
    const response = await fetch(`${app.baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...freshClient() },
      body: JSON.stringify({ query: '{ balance {' }),
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ errors: [{ extensions: { code: 'missing_authorization' } }] });
  });

  it('a body that is not JSON, with an unknown key, gets 401', async () => {
    const response = await fetch(`${app.baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${generateApiKey()}`, ...freshClient() },
      body: '{not json',
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ errors: [{ extensions: { code: 'invalid_api_key' } }] });
  });

  it('introspection without a key gets 401 and reveals nothing', async () => {
    const response = await fetch(
      `${app.baseUrl}/graphql?query=${encodeURIComponent('{ __schema { types { name } } }')}`,
    );
    expect(response.status).toBe(401);
    const text = await response.text();
    expect(text).not.toContain('Balance');
    expect(text).not.toContain('__schema');
  });

  it('introspection with a valid key works', async () => {
    const { status, body } = await app.graphql('{ __type(name: "ApiKey") { name } }', { key: ready.key });
    expect(status).toBe(200);
    expect(body.data).toEqual({ __type: { name: 'ApiKey' } });
  });

  it('with a valid key, a malformed query is a 400 with a catalogue code', async () => {
    const { status, body } = await app.graphql('{ balance {', { key: ready.key });
    expect(status).toBe(400);
    expect(body.errors?.[0]?.extensions?.code).toBe('graphql_parse_failed');
  });

  it('with a valid key, an unknown field is a 400 with a catalogue code', async () => {
    const { status, body } = await app.graphql('{ secrets }', { key: ready.key });
    expect(status).toBe(400);
    expect(body.errors?.[0]?.extensions?.code).toBe('graphql_validation_failed');
  });

  it('the GraphiQL page itself needs no key', async () => {
    const response = await fetch(`${app.baseUrl}/graphql`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    const html = await response.text();
    expect(html).toContain('Dessert API');
    expect(html).toContain('Bearer ');
  });
});

describe('suspended accounts and onboarding brands', () => {
  it('a suspended account gets 403 for everything, key management included', async () => {
    for (const query of ['{ brands { id } }', '{ apiKeys { id } }', 'mutation { createApiKey { secret } }']) {
      const { status, body } = await app.graphql(query, { key: suspended.key });
      expect(status).toBe(403);
      expect(body.errors?.[0]?.extensions?.code).toBe('account_suspended');
    }
  });

  it('reinstating the account lets its key in again on the next request', async () => {
    const other = app.createAccount({ name: 'Suspended then reinstated' });
    app.server.services.accounts.suspendAccount(other.accountId);
    expect((await app.rest('/v1/brands', other.key)).status).toBe(403);
    app.server.services.accounts.reinstateAccount(other.accountId);
    expect((await app.rest('/v1/brands', other.key)).status).toBe(200);
  });

  it('balance during onboarding: 425 with Retry-After on GraphQL', async () => {
    const { status, headers, body } = await app.graphql('{ balance { amountCents } }', { key: onboarding.key });
    expect(status).toBe(425);
    expect(headers.get('retry-after')).toMatch(/^\d+$/);
    expect(body.data).toBeNull();
    expect(body.errors).toEqual([
      {
        message: 'Brand scrape is still running (15–60 min). Poll GET /v1/brands.',
        locations: [{ line: 1, column: 3 }],
        path: ['balance'],
        extensions: { code: 'brand_onboarding_in_progress' },
      },
    ]);
  });

  it('balance during onboarding: 425 with Retry-After on REST', async () => {
    const { status, headers, body } = await app.rest('/v1/balance', onboarding.key);
    expect(status).toBe(425);
    expect(headers.get('retry-after')).toMatch(/^\d+$/);
    expect(body).toEqual({
      error: {
        code: 'brand_onboarding_in_progress',
        message: 'Brand scrape is still running (15–60 min). Poll GET /v1/brands.',
      },
    });
  });

  it('brands, apiKeys and key mutations work during onboarding', async () => {
    const brands = await app.rest('/v1/brands', onboarding.key);
    expect(brands.status).toBe(200);
    expect(brands.body).toMatchObject([{ domain: 'slow.example', onboardingStatus: 'ONBOARDING', readyAt: null }]);
    const { status, body } = await app.graphql('{ brands { onboardingStatus } apiKeys { id status } }', {
      key: onboarding.key,
    });
    expect(status).toBe(200);
    expect(body.data).toEqual({
      brands: [{ onboardingStatus: 'ONBOARDING' }],
      apiKeys: [{ id: onboarding.keyId, status: 'ACTIVE' }],
    });
    const created = await app.graphql('mutation { createApiKey { apiKey { status } } }', { key: onboarding.key });
    expect(created.status).toBe(200);
  });

  it('once the brand is ready, the balance is served', async () => {
    const later = app.createAccount({ name: 'Later', onboarding: true, balanceCents: 77 });
    expect((await app.rest('/v1/balance', later.key)).status).toBe(425);
    app.server.services.accounts.markBrandReady(later.brandId);
    const { status, body } = await app.rest('/v1/balance', later.key);
    expect(status).toBe(200);
    expect(body).toMatchObject({ amountCents: 77, currency: 'USD' });
  });
});

describe('reading data', () => {
  it('GraphQL balance and brands', async () => {
    const { status, body } = await app.graphql(
      '{ balance { amountCents currency updatedAt } brands { id name domain onboardingStatus readyAt } }',
      { key: ready.key },
    );
    expect(status).toBe(200);
    const data = body.data as { balance: { updatedAt: string }; brands: { readyAt: string }[] };
    expect(data.balance).toMatchObject({ amountCents: 12_345, currency: 'USD' });
    expect(new Date(data.balance.updatedAt).toISOString()).toBe(data.balance.updatedAt);
    expect(data.brands).toEqual([
      {
        id: ready.brandId,
        name: 'Test Brand',
        domain: 'test-brand.example',
        onboardingStatus: 'READY',
        readyAt: data.brands[0]?.readyAt,
      },
    ]);
  });

  it('REST serves the same objects as GraphQL', async () => {
    const fields =
      '{ balance { amountCents currency updatedAt } brands { id name domain onboardingStatus onboardingStartedAt readyAt } }';
    const { body } = await app.graphql(fields, { key: ready.key });
    const balance = await app.rest('/v1/balance', ready.key);
    const brands = await app.rest('/v1/brands', ready.key);
    expect(balance.status).toBe(200);
    expect(balance.headers.get('content-type')).toContain('application/json');
    expect(balance.body).toEqual(body.data?.balance);
    expect(brands.body).toEqual(body.data?.brands);
  });

  it('REST: an unknown path under /v1 is 404 and another method is 405', async () => {
    const missing = await app.rest('/v1/nope', ready.key);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ error: { code: 'not_found' } });
    const post = await app.rest('/v1/balance', ready.key, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect(post.body).toMatchObject({ error: { code: 'method_not_allowed' } });
  });

  it('an account sees only its own data', async () => {
    const other = app.createAccount({ name: 'Other', brandName: 'Other Brand', brandDomain: 'other.example' });
    const brands = await app.rest('/v1/brands', other.key);
    expect(brands.body).toEqual([expect.objectContaining({ id: other.brandId, domain: 'other.example' })]);
  });
});
