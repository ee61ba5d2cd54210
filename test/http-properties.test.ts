// Property tests over the HTTP layer (fast-check): whatever a client sends — any Authorization
// value, any body, any query string — the server never answers 5xx, and every 401 carries one of
// the documented codes.

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshClient, startTestServer, type TestServer } from './support/server.ts';

let app: TestServer;
let key: string;
beforeAll(async () => {
  app = await startTestServer({ env: { LOG_LEVEL: 'silent' } });
  key = app.createAccount().key;
});
afterAll(() => app.close());

const DOCUMENTED_401 = [
  'missing_authorization',
  'invalid_authorization_scheme',
  'invalid_key_format',
  'invalid_api_key',
];

// Header values a client can actually send: visible ASCII, spaces and tabs (fetch refuses the rest).
const headerChar = fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c));
const headerValue = fc.oneof(
  fc.string({ unit: headerChar, maxLength: 80 }),
  fc.string({ unit: headerChar, maxLength: 60 }).map((s) => `Bearer ${s}`),
  fc.string({ unit: headerChar, maxLength: 50 }).map((s) => `Bearer dsrt_live_${s}`),
  fc
    .string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: 38, maxLength: 42 })
    .map((s) => `bearer dsrt_live_${s}`),
);

const anyBody = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.json({ maxDepth: 3 }),
  fc
    .record({ query: fc.string({ maxLength: 200 }), variables: fc.option(fc.jsonValue({ maxDepth: 2 })) })
    .map((o) => JSON.stringify(o)),
  fc
    .record({
      query: fc.constantFrom(
        '{ balance { amountCents } }',
        'mutation { createApiKey { secret } }',
        '{ apiKeys { id } }',
      ),
      variables: fc.jsonValue({ maxDepth: 2 }),
      operationName: fc.option(fc.string()),
    })
    .map((o) => JSON.stringify(o)),
);

const path = fc.constantFrom(
  '/graphql',
  '/v1/balance',
  '/v1/brands',
  '/v1/nope',
  '/',
  '/graphql/x',
  '/v1/secret-scanning/revoke',
);
const method = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS');
const contentType = fc.constantFrom(
  'application/json',
  'text/plain',
  'application/graphql',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
);
const queryString = fc
  .string({ maxLength: 100 })
  .map((s) => `?${encodeURIComponent(s)}=${encodeURIComponent(s)}&query=${encodeURIComponent(s)}`);

async function check(response: Response): Promise<void> {
  const text = await response.text();
  expect(response.status, text).toBeLessThan(500);
  if (response.status === 401) {
    const body = JSON.parse(text) as { errors?: { extensions: { code: string } }[]; error?: { code: string } };
    const code = body.errors?.[0]?.extensions.code ?? body.error?.code;
    expect([...DOCUMENTED_401, 'invalid_signature']).toContain(code);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="dessert"/);
  }
}

describe('the HTTP layer never answers 5xx to anything a client can send', () => {
  it('any Authorization value', async () => {
    await fc.assert(
      fc.asyncProperty(headerValue, path, async (authorization, p) => {
        await check(await fetch(`${app.baseUrl}${p}`, { headers: { ...freshClient(), authorization } }));
      }),
      { numRuns: 300 },
    );
  });

  it('any body, content type, method and query string, with a valid key', async () => {
    await fc.assert(
      fc.asyncProperty(anyBody, contentType, method, queryString, path, async (body, type, m, qs, p) => {
        const hasBody = m !== 'GET' && m !== 'OPTIONS';
        await check(
          await fetch(`${app.baseUrl}${p}${qs}`, {
            method: m,
            headers: { ...freshClient(), authorization: `Bearer ${key}`, 'content-type': type },
            ...(hasBody ? { body } : {}),
          }),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('any GraphQL document in a GET query string, with a valid key', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200 }), fc.string({ maxLength: 50 }), async (query, variables) => {
        const qs = `?query=${encodeURIComponent(query)}&variables=${encodeURIComponent(variables)}`;
        await check(
          await fetch(`${app.baseUrl}/graphql${qs}`, { headers: { ...freshClient(), authorization: `Bearer ${key}` } }),
        );
      }),
      { numRuns: 200 },
    );
  });
});

describe('request parameters that Yoga parses itself', () => {
  it.each(['%20', '%7Bx', '[1,'])('invalid JSON in GET variables (%s) is a 400 bad_request', async (variables) => {
    const response = await fetch(`${app.baseUrl}/graphql?query=%7Bbrands%7Bid%7D%7D&variables=${variables}`, {
      headers: { ...freshClient(), authorization: `Bearer ${key}` },
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      errors: [
        { message: "The request's variables or extensions are not valid JSON.", extensions: { code: 'bad_request' } },
      ],
    });
  });
});
