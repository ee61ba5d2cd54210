// Opening, migrating and closing the SQLite store. One connection per process: better-sqlite3 is
// synchronous, so a single connection serialises this process's work and SQLite's own locking
// (WAL + busy timeout) arbitrates between processes (servers, the CLI).

import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as schema from './schema.ts';

export type Db = BetterSQLite3Database<typeof schema>;

export interface Store {
  /** The raw connection, for pragmas, backups and the few statements Drizzle cannot express. */
  readonly sqlite: Database.Database;
  readonly db: Db;
  /** The file behind the store, or ':memory:'. */
  readonly path: string;
  close(): void;
}

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));
export const BUSY_TIMEOUT_MS = 5000;

/** `file:data/dessert.db`, `data/dessert.db` or `:memory:` → a path better-sqlite3 accepts. */
export function databasePathFromUrl(url: string): string {
  if (url === ':memory:' || url === 'file::memory:') return ':memory:';
  const path = url.startsWith('file:') ? url.slice('file:'.length) : url;
  if (path.length === 0) throw new Error('DATABASE_URL names no file');
  return resolve(path);
}

export class DatabaseOpenError extends Error {
  override name = 'DatabaseOpenError';
}

export function openStore(url: string): Store {
  const path = databasePathFromUrl(url);
  let sqlite: Database.Database;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    sqlite = new Database(path);
    sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    sqlite.pragma('journal_mode = WAL');
    // A key shown to a client must survive a power cut: FULL syncs the WAL on every commit.
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma('foreign_keys = ON');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new DatabaseOpenError(`Cannot open the database at ${path}: ${reason}`);
  }
  const db = drizzle(sqlite, { schema });
  let closed = false;
  return {
    sqlite,
    db,
    path,
    close() {
      if (closed) return;
      closed = true;
      if (sqlite.open) {
        if (path !== ':memory:') sqlite.pragma('wal_checkpoint(TRUNCATE)');
        sqlite.close();
      }
    },
  };
}

/** Applies the migrations in drizzle/ that have not run yet; running it twice changes nothing. */
export function migrateStore(store: Store): void {
  migrate(store.db, { migrationsFolder: MIGRATIONS_FOLDER });
}
