// The real server process: start-up on a new database (demo account), a second start on the same
// file, production mode, and configuration errors.

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { runServerToExit, startServerProcess } from './support/processes.ts';
import { tempDir } from './support/server.ts';

const dir = tempDir('dessert-startup-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function demoKeyFrom(stderr: string): string | undefined {
  return stderr.match(/dsrt_live_[0-9a-f]{40}/)?.[0];
}

describe('npm start on an empty database', () => {
  const databaseUrl = `file:${join(dir, 'nested', 'folder', 'dessert.db')}`;

  it('creates the folder and a demo account, prints its key once, and the README curl works', async () => {
    const server = await startServerProcess({ DATABASE_URL: databaseUrl, PORT: '0' });
    try {
      const key = demoKeyFrom(server.stderr());
      expect(key).toBeDefined();
      const url = server.stderr().match(/curl (http:\/\/127\.0\.0\.1:\d+)\/v1\/balance/)?.[1];
      expect(url).toBeDefined();
      const response = await fetch(`${url}/v1/balance`, { headers: { Authorization: `Bearer ${key}` } });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ amountCents: expect.any(Number), currency: 'USD' });
      // The key is on the terminal once, never in the JSON log stream.
      expect(server.stdout()).not.toMatch(/dsrt_live_[0-9a-f]{40}/);
      expect(server.stderr().match(/dsrt_live_[0-9a-f]{40}/g)?.length).toBe(2); // the key line and the curl line
    } finally {
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    }
  });

  it('a second start on the same file changes nothing and prints no key', async () => {
    const path = databaseUrl.slice('file:'.length);
    const snapshot = () => {
      const db = new Database(path, { readonly: true });
      const rows = {
        migrations: db.prepare('select count(*) as n from __drizzle_migrations').get(),
        accounts: db.prepare('select count(*) as n from accounts').get(),
        keys: db.prepare('select count(*) as n from api_keys').get(),
      };
      db.close();
      return rows;
    };
    const before = snapshot();
    const server = await startServerProcess({ DATABASE_URL: databaseUrl, PORT: '0' });
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(demoKeyFrom(server.stderr())).toBeUndefined();
    expect(snapshot()).toEqual(before);
  });
});

describe('production', () => {
  it('creates no demo account', async () => {
    const server = await startServerProcess({
      DATABASE_URL: `file:${join(dir, 'prod.db')}`,
      PORT: '0',
      NODE_ENV: 'production',
    });
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(demoKeyFrom(server.stderr())).toBeUndefined();
    const db = new Database(join(dir, 'prod.db'), { readonly: true });
    expect(db.prepare('select count(*) as n from accounts').get()).toEqual({ n: 0 });
    db.close();
  });
});

describe('invalid configuration fails at start-up with a clear message', () => {
  it.each([
    [{ PORT: 'eighty' }, 'PORT must be a whole number from 0 to 65535 (got "eighty")'],
    [{ PORT: '70000' }, 'PORT must be a whole number from 0 to 65535'],
    [{ NODE_ENV: 'staging' }, 'NODE_ENV must be one of development, production, test'],
    [{ LOG_LEVEL: 'verbose' }, 'LOG_LEVEL must be one of'],
    [{ AUTH_FAILURE_LIMIT: '5' }, 'AUTH_FAILURE_LIMIT must be a whole number from 20 to 100'],
  ])('%j', (env, message) => {
    const result = runServerToExit({ DATABASE_URL: `file:${join(dir, 'never.db')}`, ...env });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Invalid configuration');
    expect(result.stderr).toContain(message);
  });
});
