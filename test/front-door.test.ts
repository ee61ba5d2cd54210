// The node:http front door (src/front-door.ts) answers exactly as the Yoga door behind it would:
// every request below goes once over real HTTP (front door first) and once straight to Yoga
// (yoga.fetch, where the onRequest hook does the same work), and the answers must match in
// status, body and the headers a client reads.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey } from '../src/keys/api-key.ts';
import { startTestServer, type TestAccount, type TestServer } from './support/server.ts';

let app: TestServer;
let ready: TestAccount;
let onboarding: TestAccount;
let suspended: TestAccount;

beforeAll(async () => {
  app = await startTestServer();
  ready = app.createAccount({ name: 'Ready' });
  onboarding = app.createAccount({ name: 'Onboarding', onboarding: true });
  suspended = app.createAccount({ name: 'Suspended' });
  app.server.services.accounts.suspendAccount(suspended.accountId);
});
afterAll(() => app.close());

const HEADERS_CLIENTS_READ = ['content-type', 'www-authenticate', 'allow', 'retry-after'];

interface Case {
  name: string;
  path: string;
  method?: string;
  authorization?: () => string;
  accept?: string;
  body?: string;
}

const bearer = (account: () => TestAccount) => () => `Bearer ${account().key}`;
const balanceQuery = JSON.stringify({ query: '{ balance { amountCents currency } }' });

const cases: Case[] = [
  { name: 'REST balance with a valid key', path: '/v1/balance', authorization: bearer(() => ready) },
  { name: 'REST brands with a query string', path: '/v1/brands?x=1', authorization: bearer(() => ready) },
  { name: 'REST balance during onboarding', path: '/v1/balance', authorization: bearer(() => onboarding) },
  { name: 'REST for a suspended account', path: '/v1/brands', authorization: bearer(() => suspended) },
  { name: 'REST without a key', path: '/v1/balance' },
  { name: 'REST with Basic', path: '/v1/balance', authorization: () => 'Basic dXNlcjpwYXNz' },
  { name: 'REST with a malformed key', path: '/v1/balance', authorization: () => 'Bearer dsrt_live_nope' },
  { name: 'REST with an unknown key', path: '/v1/balance', authorization: () => `Bearer ${generateApiKey()}` },
  { name: 'REST POST', path: '/v1/balance', method: 'POST', authorization: bearer(() => ready) },
  { name: 'an unknown REST path', path: '/v1/nope', authorization: bearer(() => ready) },
  { name: 'an unknown path', path: '/nope' },
  {
    name: 'GraphQL POST with a valid key',
    path: '/graphql',
    method: 'POST',
    authorization: bearer(() => ready),
    body: balanceQuery,
  },
  {
    name: 'GraphQL GET with a valid key',
    path: '/graphql?query=%7B%20brands%20%7B%20name%20%7D%20%7D',
    authorization: bearer(() => ready),
  },
  { name: 'GraphQL POST without a key', path: '/graphql', method: 'POST', body: balanceQuery },
  {
    name: 'GraphQL POST with a malformed key, graphql-response+json',
    path: '/graphql',
    method: 'POST',
    authorization: () => 'Bearer nope',
    accept: 'application/graphql-response+json',
    body: balanceQuery,
  },
  {
    name: 'GraphQL POST with an unknown key, application/json',
    path: '/graphql',
    method: 'POST',
    authorization: () => `Bearer ${generateApiKey()}`,
    accept: 'application/json',
    body: balanceQuery,
  },
  {
    name: 'GraphQL POST during onboarding',
    path: '/graphql',
    method: 'POST',
    authorization: bearer(() => onboarding),
    body: balanceQuery,
  },
  {
    name: 'GraphQL POST with a malformed document',
    path: '/graphql',
    method: 'POST',
    authorization: bearer(() => ready),
    body: '{"query": "{ balance {"}',
  },
  { name: 'GraphQL PUT', path: '/graphql', method: 'PUT', authorization: bearer(() => ready), body: balanceQuery },
  { name: 'the GraphiQL page', path: '/graphql', accept: 'text/html' },
];

async function answer(
  fetcher: (url: string, init: RequestInit) => Promise<Response> | Response,
  base: string,
  c: Case,
) {
  const headers: Record<string, string> = { accept: c.accept ?? 'application/graphql-response+json, application/json' };
  if (c.body !== undefined) headers['content-type'] = 'application/json';
  if (c.authorization) headers.authorization = c.authorization();
  const response = await fetcher(`${base}${c.path}`, {
    method: c.method ?? 'GET',
    headers,
    ...(c.body === undefined ? {} : { body: c.body }),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: Object.fromEntries(HEADERS_CLIENTS_READ.map((name) => [name, response.headers.get(name)])),
    body: text.replace(/"updatedAt":"[^"]+"/, '"updatedAt":"…"'),
  };
}

describe('the front door answers as the Yoga door does', () => {
  it.each(cases)('$name', async (c) => {
    const viaFrontDoor = await answer(fetch, app.baseUrl, c);
    const viaYoga = await answer((url, init) => app.server.yoga.fetch(url, init), 'http://yoga', c);
    expect(viaFrontDoor).toEqual(viaYoga);
    expect(viaFrontDoor.status).toBeGreaterThanOrEqual(200);
  });

  // yoga.fetch keeps a body on HEAD (no HTTP in between), so HEAD is checked over HTTP alone.
  it('answers HEAD on REST with the headers and no body', async () => {
    const response = await fetch(`${app.baseUrl}/v1/balance`, {
      method: 'HEAD',
      headers: { authorization: `Bearer ${ready.key}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await response.text()).toBe('');
  });
});
