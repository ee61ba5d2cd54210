// Opening, migrating and closing the SQLite store. One connection per process: better-sqlite3 is
// synchronous, so a single connection serialises this process's work and SQLite's own locking
// (WAL + busy timeout) arbitrates between processes (servers, the CLI).

import { mkdirSync, statSync } from 'node:fs';
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
  /**
   * Closes the connection. The server folds the WAL back into the file first (`checkpoint`,
   * the default); the CLI does not: a TRUNCATE checkpoint holds off every writer while it waits
   * for readers, and a running server is full of readers.
   */
  close(options?: { checkpoint?: boolean }): void;
}

// Two levels below the project root both here (src/db/database.ts) and in the bundle `npm start`
// runs (dist/src/main.js, built by `prestart`): keep them at the same depth, or this path breaks
// (test/bundle.test.ts starts the bundle on a new database).
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));
/**
 * How long a statement on the server waits for another connection's lock before SQLITE_BUSY.
 * better-sqlite3 is synchronous, so the wait holds this process's event loop: short, so a stuck
 * lock turns into quick 503s rather than a frozen server.
 */
export const DEFAULT_BUSY_TIMEOUT_MS = 1000;
/** The operator CLI waits longer: it serves no one else while it waits. */
export const CLI_MIN_BUSY_TIMEOUT_MS = 5000;

export interface OpenStoreOptions {
  busyTimeoutMs?: number;
}

/** `file:data/dessert.db`, `data/dessert.db` or `:memory:` → a path better-sqlite3 accepts. */
export function databasePathFromUrl(url: string): string {
  if (url === ':memory:' || url === 'file::memory:') return ':memory:';
  const path = url.startsWith('file:') ? url.slice('file:'.length) : url;
  if (path.length === 0) throw new Error('DATABASE_URL names no file');
  return resolve(path);
}

/** The database cannot be opened or prepared: the message is one line an operator can act on. */
export class DatabaseOpenError extends Error {
  override name = 'DatabaseOpenError';
}

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code ? `${fsReason(code, error)} (${code})` : fsReason(code, error);
}

function fsReason(code: string | undefined, error: unknown): string {
  switch (code) {
    case 'ENOTDIR':
      return 'a part of the path is a file, not a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENOENT':
      return 'it cannot be created in this location';
    case 'ENOSPC':
      return 'no space left on the device';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

/**
 * Creates the directory that will hold the database, one level at a time. (Not
 * `mkdirSync(dir, {recursive: true})`: under /proc it loops forever on Node 20 instead of failing.)
 */
function ensureDirectory(dir: string): void {
  const missing: string[] = [];
  let current = dir;
  for (;;) {
    let stats: ReturnType<typeof statSync> | undefined;
    try {
      stats = statSync(current);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // ENOTDIR: a level above is a regular file; walking up finds it and names it.
      if (code !== 'ENOENT' && code !== 'ENOTDIR') {
        throw new DatabaseOpenError(`cannot use the database directory ${dir}: ${describeFsError(error)}`);
      }
    }
    if (stats !== undefined) {
      if (!stats.isDirectory()) {
        throw new DatabaseOpenError(`cannot use the database directory ${dir}: ${current} is a file, not a directory`);
      }
      break;
    }
    missing.unshift(current);
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const level of missing) {
    try {
      mkdirSync(level);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw new DatabaseOpenError(`cannot create the database directory ${level}: ${describeFsError(error)}`);
    }
  }
}

/** One line for an operator from a SQLite error met while opening or migrating. */
export function describeDatabaseError(path: string, error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const reason = error instanceof Error ? error.message : String(error);
  switch (code) {
    case 'SQLITE_CANTOPEN':
      return `cannot open the database at ${path}: the file cannot be created or opened there (is the directory writable?)`;
    case 'SQLITE_READONLY':
      return `cannot write to the database at ${path}: it is read-only`;
    case 'SQLITE_NOTADB':
      return `cannot open the database at ${path}: the file is not a SQLite database`;
    case 'SQLITE_CORRUPT':
      return `cannot open the database at ${path}: the file is corrupt (restore it from a backup)`;
    case 'SQLITE_BUSY':
      return `cannot open the database at ${path}: another process holds it locked`;
    case 'SQLITE_FULL':
      return `cannot write to the database at ${path}: the disk is full`;
    default:
      return `cannot prepare the database at ${path}: ${reason.split('\n')[0]}`;
  }
}

export function openStore(url: string, { busyTimeoutMs = DEFAULT_BUSY_TIMEOUT_MS }: OpenStoreOptions = {}): Store {
  const path = databasePathFromUrl(url);
  if (path !== ':memory:') ensureDirectory(dirname(path));
  let sqlite: Database.Database | undefined;
  try {
    sqlite = new Database(path);
    sqlite.pragma(`busy_timeout = ${busyTimeoutMs}`);
    sqlite.pragma('journal_mode = WAL');
    // A key shown to a client must survive a power cut: FULL syncs the WAL on every commit.
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma('foreign_keys = ON');
  } catch (error) {
    sqlite?.close();
    throw new DatabaseOpenError(describeDatabaseError(path, error));
  }
  const connection = sqlite;
  const db = drizzle(connection, { schema });
  let closed = false;
  return {
    sqlite: connection,
    db,
    path,
    close({ checkpoint = true } = {}) {
      if (closed) return;
      closed = true;
      if (!connection.open) return;
      try {
        // Fold the WAL back into the file, so the file alone is a complete copy.
        if (checkpoint && path !== ':memory:') connection.pragma('wal_checkpoint(TRUNCATE)');
      } finally {
        connection.close();
      }
    },
  };
}

/** Applies the migrations in drizzle/ that have not run yet; running it twice changes nothing. */
export function migrateStore(store: Store, migrationsFolder = MIGRATIONS_FOLDER): void {
  try {
    migrate(store.db, { migrationsFolder });
  } catch (error) {
    // Drizzle wraps the SQLite error; the operator needs its cause.
    const cause = (error as { cause?: unknown }).cause ?? error;
    throw new DatabaseOpenError(describeDatabaseError(store.path, cause));
  }
}
