// What `npm start` runs is not src/ through tsx but a bundle of src/main.ts (`prestart`, esbuild,
// dependencies left external) in dist/: no tsx loader thread, ~40 MB less memory (bench/README.md).
// The other tests run the sources; this one checks that the bundle is the same server where it
// could differ: paths computed from import.meta.url (the migrations folder, GraphiQL's files).

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseUrlOf, buildStartBundle, type ServerProcess, startServerProcess } from './support/processes.ts';
import { tempDir } from './support/server.ts';

const dir = tempDir('dessert-bundle-');
let server: ServerProcess;
let baseUrl: string;
let key: string;

beforeAll(async () => {
  const args = buildStartBundle();
  expect(args.some((arg) => arg.includes('tsx'))).toBe(false);
  server = await startServerProcess({ DATABASE_URL: `file:${join(dir, 'dessert.db')}`, PORT: '0' }, args);
  baseUrl = baseUrlOf(server);
  key = server.stderr().match(/dsrt_live_[0-9a-f]{40}/)?.[0] ?? '';
}, 60_000);

afterAll(async () => {
  if (server !== undefined && server.child.exitCode === null) {
    server.child.kill('SIGTERM');
    await server.exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('npm start (the bundle) on a new database', () => {
  it('applies the migrations, creates the demo account and answers REST and GraphQL with its key', async () => {
    expect(key).toMatch(/^dsrt_live_[0-9a-f]{40}$/);
    const rest = await fetch(`${baseUrl}/v1/balance`, { headers: { authorization: `Bearer ${key}` } });
    expect(rest.status).toBe(200);
    expect(await rest.json()).toMatchObject({ amountCents: expect.any(Number), currency: 'USD' });

    const graphql = await fetch(`${baseUrl}/graphql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ balance { currency } }' }),
    });
    expect(graphql.status).toBe(200);
    expect(await graphql.json()).toEqual({ data: { balance: { currency: 'USD' } } });
  });

  it("serves GraphiQL's page and its files", async () => {
    const page = await fetch(`${baseUrl}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const assets = [...(await page.text()).matchAll(/(?:src|href)="(\/graphiql\/[^"]+)"/g)].map((m) => m[1]);
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of assets) {
      const response = await fetch(`${baseUrl}${asset}`);
      expect(response.status, asset).toBe(200);
      expect((await response.arrayBuffer()).byteLength, asset).toBeGreaterThan(300);
    }
  });

  it('stops gracefully on SIGTERM', async () => {
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });
});
