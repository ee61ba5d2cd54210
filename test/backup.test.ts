// Online backup (`dessert backup PATH`): SQLite's online backup API copies the live database while
// the real server process keeps writing to it. The copy passes integrity_check, and a server
// opened on it authenticates every key that was answered before the backup began.

import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { migrateStore, openStore } from '../src/db/database.ts';
import { baseUrlOf, runCli, runCliAsync, startServerProcess } from './support/processes.ts';
import { startTestServer, tempDir } from './support/server.ts';

const dir = tempDir('dessert-backup-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CREATE = 'mutation ($name: String) { createApiKey(input: { name: $name }) { secret } }';

async function createKey(baseUrl: string, adminKey: string, name: string): Promise<string> {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` },
    body: JSON.stringify({ query: CREATE, variables: { name } }),
  });
  const body = (await response.json()) as { data: { createApiKey: { secret: string } } };
  expect(response.status, JSON.stringify(body)).toBe(200);
  return body.data.createApiKey.secret;
}

describe('dessert backup PATH', () => {
  it('copies the live database under write load into a file that holds every key', async () => {
    const env = {
      DATABASE_URL: `file:${join(dir, 'live.db')}`,
      PORT: '0',
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      MAX_LIVE_KEYS_PER_ACCOUNT: '10000',
    };
    const server = await startServerProcess(env);
    try {
      const baseUrl = baseUrlOf(server);
      const adminKey = /^\s+(dsrt_live_[0-9a-f]{40})$/m.exec(server.stderr())?.[1] as string;
      const before: string[] = [adminKey];
      for (let i = 0; i < 200; i += 1) before.push(await createKey(baseUrl, adminKey, `before ${i}`));

      // Light write load that runs for the whole backup (bounded in count).
      let backupDone = false;
      let during = 0;
      const load = (async () => {
        for (let i = 0; i < 2_000 && !backupDone; i += 1) {
          await createKey(baseUrl, adminKey, `during ${i}`);
          during += 1;
        }
      })();

      const backupDir = join(dir, 'copy');
      mkdirSync(backupDir);
      const backupPath = join(backupDir, 'dessert.db');
      const result = await runCliAsync(['backup', backupPath], { DATABASE_URL: env.DATABASE_URL });
      backupDone = true;
      await load;

      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout.trim().split('\n')).toHaveLength(1);
      expect(result.json).toMatchObject({ backup: backupPath, integrity: 'ok' });
      expect(result.json?.apiKeys).toBeGreaterThanOrEqual(before.length);
      expect(result.json?.pages).toBeGreaterThan(0);
      expect(during).toBeGreaterThan(0); // the server was being written to while it copied

      const copy = new Database(backupPath, { readonly: true });
      expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
      copy.close();

      // Restore drill: a server on the copy knows every key answered before the backup.
      const restored = await startTestServer({ dir: backupDir });
      try {
        for (const key of before) expect((await restored.rest('/v1/brands', key)).status).toBe(200);
      } finally {
        await restored.close();
      }
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });

  it('refuses to overwrite an existing file, and to back up a database that does not exist', () => {
    const source = openStore(`file:${join(dir, 'source.db')}`);
    migrateStore(source);
    source.close();
    const existing = join(dir, 'existing.db');
    writeFileSync(existing, 'keep me');

    const overwrite = runCli(['backup', existing], { DATABASE_URL: `file:${join(dir, 'source.db')}` });
    expect(overwrite.status).toBe(1);
    expect(JSON.parse(overwrite.stderr)).toMatchObject({ error: { code: 'invalid_input' } });
    expect(overwrite.stderr).toContain('already exists');
    expect(readFileSync(existing, 'utf8')).toBe('keep me');

    const missing = runCli(['backup', join(dir, 'never.db')], { DATABASE_URL: `file:${join(dir, 'missing.db')}` });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('there is no database at');
    expect(existsSync(join(dir, 'missing.db'))).toBe(false);
  });
});
