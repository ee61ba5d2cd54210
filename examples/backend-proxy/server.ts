// A backend proxy for the Dessert API: the pattern the API's docs ask for ("proxy through your
// own backend"). The key lives here, read from DESSERT_API_KEY in the environment or in a
// git-ignored .env file; the browser talks only to this server, same-origin, and never sees it.
//
//   GET /              a static page (public/) that calls the endpoints below
//   GET /api/balance   runs the Balance operation upstream with the Bearer key
//   GET /api/brands    runs the Brands operation upstream
//
// Only these operations can be run: the browser cannot send its own GraphQL through the key.
// Documented API errors pass through with their status, code, message and Retry-After.
//
//   DESSERT_API_KEY=dsrt_live_… DESSERT_API_URL=http://127.0.0.1:4000 \
//     node --import tsx examples/backend-proxy/server.ts       (PORT: 3000 by default)

import { existsSync, readFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { graphql } from '../../generated/graphql/gql.ts';
import { createDessertClient, DessertApiError } from './dessert-client.ts';

// .env in the working directory, then next to this file; the environment wins over both.
for (const file of [join(process.cwd(), '.env'), new URL('.env', import.meta.url).pathname]) {
  if (existsSync(file)) process.loadEnvFile(file);
}

const apiKey = process.env.DESSERT_API_KEY?.trim();
if (!apiKey) {
  process.stderr.write('backend-proxy: set DESSERT_API_KEY (in the environment or in .env)\n');
  process.exit(1);
}
const apiUrl = process.env.DESSERT_API_URL?.trim() || 'http://127.0.0.1:4000';
const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST?.trim() || '127.0.0.1';

const BalanceQuery = graphql(`
  query ProxyBalance {
    balance {
      amountCents
      currency
      updatedAt
    }
  }
`);

const BrandsQuery = graphql(`
  query ProxyBrands {
    brands {
      id
      name
      domain
      onboardingStatus
    }
  }
`);

const client = createDessertClient({ apiUrl, apiKey });

const operations: Record<string, () => Promise<unknown>> = {
  '/api/balance': async () => (await client.execute(BalanceQuery)).balance,
  '/api/brands': async () => (await client.execute(BrandsQuery)).brands,
};

const STATIC_FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
};
const PAGE_POLICY = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'";

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    ...headers,
  });
  response.end(JSON.stringify(body));
}

const server = createServer(async (request, response) => {
  const target = request.url ?? '/';
  if (!URL.canParse(target, 'http://proxy')) {
    sendJson(response, 400, { error: { code: 'bad_request', message: 'The request target is not a URL.' } });
    return;
  }
  const path = new URL(target, 'http://proxy').pathname;
  if (request.method !== 'GET') {
    sendJson(response, 405, { error: { code: 'method_not_allowed', message: 'Use GET.' } }, { Allow: 'GET' });
    return;
  }
  const staticFile = STATIC_FILES[path];
  if (staticFile) {
    response.writeHead(200, { 'Content-Type': staticFile.type, 'Content-Security-Policy': PAGE_POLICY });
    response.end(readFileSync(new URL(`public/${staticFile.file}`, import.meta.url)));
    return;
  }
  const operation = operations[path];
  if (!operation) {
    sendJson(response, 404, { error: { code: 'not_found', message: 'No such endpoint.' } });
    return;
  }
  try {
    sendJson(response, 200, await operation());
  } catch (error) {
    if (error instanceof DessertApiError) {
      // The documented error as the API gave it; only Retry-After of its headers matters here.
      const headers: Record<string, string> = error.retryAfter ? { 'Retry-After': error.retryAfter } : {};
      sendJson(response, error.status, { error: { code: error.code, message: error.message } }, headers);
      return;
    }
    sendJson(response, 500, { error: { code: 'internal_error', message: 'Unexpected error.' } });
  }
});

server.listen(port, host, () => {
  const { port: bound } = server.address() as AddressInfo;
  process.stderr.write(`backend-proxy listening on http://${host}:${bound} (Dessert API: ${apiUrl})\n`);
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => server.close(() => process.exit(0)));
