// GraphiQL's files served by the server itself (src/graphiql.ts): the page points at them, they
// need no key, carry the right types and cache headers, and nothing about them opens /graphql
// or /v1 to a caller without a key.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/server.ts';

let app: TestServer;
let assetUrls: string[];

beforeAll(async () => {
  app = await startTestServer();
  const page = await fetch(`${app.baseUrl}/graphql`, { headers: { accept: 'text/html' } });
  const html = await page.text();
  assetUrls = [...html.matchAll(/(?:src|href)="(\/graphiql\/[^"]+)"/g)].map((m) => m[1] as string);
});
afterAll(() => app.close());

describe('the GraphiQL page', () => {
  it('is served without a key, loads only same-origin files, and says so in its policy', async () => {
    const response = await fetch(`${app.baseUrl}/graphql`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await response.text();
    expect(html).toContain('<title>Dessert API</title>');
    expect(html).not.toMatch(/https?:\/\//); // no CDN, no other origin
    expect(html).not.toMatch(/<script>/); // no inline script: script-src 'self' holds
    expect(html).toContain('"headers":"{\\n  \\"Authorization\\": \\"Bearer \\"\\n}"');
    expect(assetUrls.map((url) => url.replace(/^\/graphiql\/[^/]+\//, ''))).toEqual([
      'favicon.ico',
      'graphiql.css',
      'yoga-graphiql.js',
      'start.js',
    ]);
  });

  it('is only HTML for a browser: a GET with a query but no key still gets 401', async () => {
    const query = encodeURIComponent('{ balance { amountCents } }');
    const response = await fetch(`${app.baseUrl}/graphql?query=${query}`, { headers: { accept: 'application/json' } });
    expect(response.status).toBe(401);
    const page = await fetch(`${app.baseUrl}/graphql?query=${query}`, { headers: { accept: 'text/html' } });
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).not.toContain('amountCents":');
  });
});

describe('GraphiQL static files under /graphiql/<version>/', () => {
  const expectedTypes: Record<string, string> = {
    'yoga-graphiql.js': 'text/javascript; charset=utf-8',
    'start.js': 'text/javascript; charset=utf-8',
    'editor.worker.js': 'text/javascript; charset=utf-8',
    'json.worker.js': 'text/javascript; charset=utf-8',
    'graphql.worker.js': 'text/javascript; charset=utf-8',
    'graphiql.css': 'text/css; charset=utf-8',
    'favicon.ico': 'image/x-icon',
  };

  it('serves every file with its type, no key needed, cacheable for good', async () => {
    const base = (assetUrls[0] as string).replace(/[^/]+$/, '');
    for (const [name, type] of Object.entries(expectedTypes)) {
      const response = await fetch(`${app.baseUrl}${base}${name}`);
      expect(response.status, name).toBe(200);
      expect(response.headers.get('content-type'), name).toBe(type);
      expect(response.headers.get('cache-control'), name).toBe('public, max-age=31536000, immutable');
      expect(response.headers.get('x-content-type-options'), name).toBe('nosniff');
      expect((await response.arrayBuffer()).byteLength, name).toBeGreaterThan(300);
    }
  });

  it('gzips text for clients that accept it, and answers 304 to a matching If-None-Match', async () => {
    const url = `${app.baseUrl}${assetUrls.find((u) => u.endsWith('yoga-graphiql.js'))}`;
    // fetch() decodes gzip itself; the raw length tells that the wire carried less.
    const plain = await fetch(url, { headers: { 'accept-encoding': 'identity' } });
    const plainLength = Number(plain.headers.get('content-length'));
    const gzipped = await fetch(url, { headers: { 'accept-encoding': 'gzip' } });
    expect(gzipped.headers.get('content-encoding')).toBe('gzip');
    expect(Number(gzipped.headers.get('content-length'))).toBeLessThan(plainLength / 2);
    expect(await gzipped.text()).toBe(await plain.text());

    const etag = plain.headers.get('etag') as string;
    const again = await fetch(url, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
  });

  it('answers 404 (not cached) for another name or another version, and 405 to other methods', async () => {
    for (const path of [
      '/graphiql/',
      '/graphiql/0.0.0/yoga-graphiql.js',
      `${assetUrls[0]}x`,
      '/graphiql/x/../../v1/balance',
    ]) {
      const response = await fetch(`${app.baseUrl}${path}`);
      // fetch normalises "/x/../../v1/balance" to "/v1/balance": that one must still ask for a key.
      if (path.endsWith('/v1/balance')) {
        expect(response.status).toBe(401);
        continue;
      }
      expect(response.status, path).toBe(404);
      expect(response.headers.get('cache-control'), path).toBe('no-store');
    }
    const post = await fetch(`${app.baseUrl}${assetUrls[0]}`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('leaves authentication-first untouched: /graphql and /v1 still want a key', async () => {
    expect((await app.graphql('{ balance { amountCents } }', { key: null })).status).toBe(401);
    expect((await app.rest('/v1/balance', null)).status).toBe(401);
  });
});
