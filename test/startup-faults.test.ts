// A database the server cannot use at start-up: the real process exits non-zero with one clear
// line naming the path and the reason, and no stack trace. (Tests run as root, for whom a chmod'ed
// directory is still writable, so the faults here are ones root cannot get past: a directory
// path that runs through a regular file, a directory /proc will not let anyone create, a file
// that is not a database, and a database another process holds locked.)

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliAsync, runServerUntilExit } from './support/processes.ts';
import { tempDir } from './support/server.ts';

let dir: string;
beforeAll(() => {
  dir = tempDir('dessert-startup-');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function expectOneLineFailure(
  result: { status: number | null; stderr: string; stdout: string },
  expected: RegExp,
): void {
  expect(result.status).toBe(1);
  const lines = result.stderr.trim().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^dessert: /);
  expect(lines[0]).toMatch(expected);
  expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
  expect(result.stdout).not.toContain('listening');
}

describe.concurrent('start-up with a database it cannot use', () => {
  it('fails when the database directory runs through a regular file', async () => {
    const file = join(dir, 'not-a-directory');
    writeFileSync(file, 'a plain file');
    const path = join(file, 'data', 'dessert.db');
    const result = await runServerUntilExit({ DATABASE_URL: `file:${path}`, PORT: '0' });
    expectOneLineFailure(
      result,
      /cannot use the database directory .*not-a-directory\/data: .*not-a-directory is a file, not a directory$/,
    );
  });

  it('fails, rather than hanging, when the directory cannot be created (under /proc)', async () => {
    const result = await runServerUntilExit({ DATABASE_URL: 'file:/proc/dessert-test/data/dessert.db', PORT: '0' });
    expectOneLineFailure(result, /cannot create the database directory \/proc\/dessert-test: .*\(ENOENT\)/);
  });

  it('fails when the directory exists but no file can be created in it', async () => {
    const result = await runServerUntilExit({ DATABASE_URL: 'file:/proc/dessert-test.db', PORT: '0' });
    expectOneLineFailure(result, /cannot open the database at \/proc\/dessert-test\.db: the file cannot be created/);
  });

  it('fails when the file is not a SQLite database', async () => {
    const path = join(dir, 'garbage.db');
    writeFileSync(path, 'this is not a database file, only some text that is long enough to have a header\n'.repeat(4));
    const result = await runServerUntilExit({ DATABASE_URL: `file:${path}`, PORT: '0' });
    expectOneLineFailure(result, /garbage\.db: the file is not a SQLite database/);
  });

  it('fails when another process holds the database locked beyond the busy timeout', async () => {
    const lockedDir = join(dir, 'locked');
    mkdirSync(lockedDir);
    const path = join(lockedDir, 'dessert.db');
    const holder = new Database(path);
    try {
      holder.pragma('locking_mode = EXCLUSIVE');
      holder.exec('CREATE TABLE holder (x); BEGIN EXCLUSIVE; INSERT INTO holder VALUES (1);');
      const result = await runServerUntilExit({
        DATABASE_URL: `file:${path}`,
        PORT: '0',
        DATABASE_BUSY_TIMEOUT_MS: '50',
      });
      expectOneLineFailure(result, /another process holds it locked/);
    } finally {
      holder.close();
    }
  });

  it('the CLI reports the same causes as one JSON error', async () => {
    const path = join(dir, 'garbage-for-cli.db');
    writeFileSync(path, 'not a database either, and long enough to be read as a header by SQLite\n'.repeat(4));
    const result = await runCliAsync(['migrate'], { DATABASE_URL: `file:${path}` });
    expect(result.status).toBe(1);
    expect(JSON.parse(result.stderr)).toEqual({
      error: {
        code: 'database_unavailable',
        message: `cannot open the database at ${path}: the file is not a SQLite database`,
      },
    });
  });
});
