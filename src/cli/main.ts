// The operator CLI (SPEC §6): `npm run --silent dessert -- <command>` or the `dessert` bin.
// Acts on the database named by DATABASE_URL, the same file a running server uses; each command
// prints one JSON object on stdout, and an error prints {"error":{code,message}} on stderr with a
// non-zero exit status (1: the command failed, 2: it was not understood).

import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { systemClock } from '../clock.ts';
import { ConfigError, loadConfig } from '../config.ts';
import {
  CLI_MIN_BUSY_TIMEOUT_MS,
  DatabaseOpenError,
  databasePathFromUrl,
  migrateStore,
  openStore,
  type Store,
} from '../db/database.ts';
import { DessertError, toDessertError } from '../errors.ts';
import { createServices, type Services } from '../services.ts';
import { readLines } from './read-lines.ts';

class UsageError extends Error {}

const ALL_REMAINING_PAGES = 0x7fffffff;

export const USAGE = `Usage: dessert <command>

  migrate
  accounts create --name N --brand-name B --brand-domain D [--onboarding] [--balance-cents C] [--currency USD]
  accounts suspend ACCOUNT_ID
  accounts reinstate ACCOUNT_ID
  brands ready BRAND_ID
  balance set ACCOUNT_ID CENTS
  keys create ACCOUNT_ID [--name N]
  keys revoke-leaked            (plaintext keys on stdin, one a line)
  backup PATH                   (an online copy of the live database into a new file)

Environment: DATABASE_URL (default file:data/dessert.db), DATABASE_BUSY_TIMEOUT_MS (the CLI waits at least 5000 ms)`;

type Command = (args: string[], services: Services) => unknown | Promise<unknown>;

/** Commands on the store itself: they neither migrate (change) the database nor need the services. */
type StoreCommand = (args: string[], store: Store) => Promise<unknown>;

function positional(args: string[], count: number, names: string): string[] {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  if (positionals.length !== count) throw new UsageError(`expected ${names}`);
  return positionals;
}

function wholeNumber(raw: string, what: string): number {
  if (!/^-?\d+$/.test(raw)) throw new UsageError(`${what} must be a whole number (got "${raw}")`);
  return Number(raw);
}

const commands: Record<string, Command> = {
  migrate: (args, services) => {
    positional(args, 0, 'no arguments');
    return { migrated: true, database: services.store.path };
  },

  'accounts create': (args, services) => {
    const { values } = parseArgs({
      args,
      options: {
        name: { type: 'string' },
        'brand-name': { type: 'string' },
        'brand-domain': { type: 'string' },
        onboarding: { type: 'boolean', default: false },
        'balance-cents': { type: 'string' },
        currency: { type: 'string' },
      },
    });
    if (!values.name || !values['brand-name'] || !values['brand-domain']) {
      throw new UsageError('accounts create needs --name, --brand-name and --brand-domain');
    }
    const created = services.accounts.createAccount({
      name: values.name,
      brandName: values['brand-name'],
      brandDomain: values['brand-domain'],
      onboarding: values.onboarding,
      ...(values['balance-cents'] !== undefined
        ? { balanceCents: wholeNumber(values['balance-cents'], '--balance-cents') }
        : {}),
      ...(values.currency !== undefined ? { currency: values.currency } : {}),
    });
    return {
      accountId: created.accountId,
      brandId: created.brandId,
      apiKey: { id: created.firstKey.apiKey.id, last4: created.firstKey.apiKey.last4 },
      secret: created.firstKey.secret,
    };
  },

  'accounts suspend': (args, services) => {
    const [accountId = ''] = positional(args, 1, 'ACCOUNT_ID');
    services.accounts.suspendAccount(accountId);
    return { accountId, status: 'suspended' };
  },

  'accounts reinstate': (args, services) => {
    const [accountId = ''] = positional(args, 1, 'ACCOUNT_ID');
    services.accounts.reinstateAccount(accountId);
    return { accountId, status: 'active' };
  },

  'brands ready': (args, services) => {
    const [brandId = ''] = positional(args, 1, 'BRAND_ID');
    return { brand: services.accounts.markBrandReady(brandId) };
  },

  'balance set': (args, services) => {
    // Raw arguments: a negative amount ("-250") is a value here, not an option.
    if (args.length !== 2) throw new UsageError('expected ACCOUNT_ID CENTS');
    const [accountId = '', cents = ''] = args;
    return { accountId, balance: services.accounts.setBalance(accountId, wholeNumber(cents, 'CENTS')) };
  },

  'keys create': (args, services) => {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { name: { type: 'string' } } });
    if (positionals.length !== 1) throw new UsageError('expected ACCOUNT_ID');
    const accountId = positionals[0] ?? '';
    services.accounts.requireAccount(accountId);
    const created = services.keys.createApiKey(accountId, { name: values.name ?? null }, { type: 'operator' });
    const { accountId: _owner, successorId: _successor, ...apiKey } = created.apiKey;
    return { apiKey, secret: created.secret };
  },

  'keys revoke-leaked': async (args, services) => {
    positional(args, 0, 'no arguments (keys come on stdin)');
    const lines: string[] = [];
    for await (const line of readLines(process.stdin)) {
      const candidate = line.trim();
      if (candidate.length > 0) lines.push(candidate);
    }
    const { revoked, unknown } = services.keys.revokeLeakedKeys(lines, { type: 'operator' });
    return { revoked, unknown };
  },
};

// SQLite's online backup API: a consistent copy of the live database while servers keep
// reading and writing it (WAL: the copy's read transaction blocks no writer). The copy is
// checked before the command reports success.
async function backup(args: string[], store: Store): Promise<unknown> {
  const [target = ''] = positional(args, 1, 'PATH');
  const path = resolve(target);
  if (existsSync(path)) {
    throw new DessertError('invalid_input', { message: `${path} already exists: back up into a new file.` });
  }
  if (!existsSync(dirname(path))) {
    throw new DessertError('invalid_input', { message: `the directory ${dirname(path)} does not exist.` });
  }
  const { totalPages } = await store.sqlite.backup(path, {
    // After the first 100 pages, copy the rest in one step: a step that another process's
    // commit interrupts starts over, so few long steps finish under write load, many short ones may not.
    progress: () => ALL_REMAINING_PAGES,
  });
  const copy = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const integrity = copy.pragma('integrity_check', { simple: true });
    const apiKeys = copy.prepare('SELECT count(*) FROM api_keys').pluck().get();
    if (integrity !== 'ok') throw new Error(`the copy failed its integrity check: ${integrity}`);
    return { backup: path, pages: totalPages, apiKeys, integrity };
  } finally {
    copy.close();
  }
}

const storeCommands: Record<string, StoreCommand> = { backup };

function findCommand(
  argv: string[],
): { command: Command; rest: string[] } | { storeCommand: StoreCommand; rest: string[] } {
  const storeCommand = argv[0] !== undefined ? storeCommands[argv[0]] : undefined;
  if (storeCommand) return { storeCommand, rest: argv.slice(1) };
  const two = `${argv[0]} ${argv[1]}`;
  const twoWords = commands[two];
  if (twoWords) return { command: twoWords, rest: argv.slice(2) };
  const oneWord = argv[0] !== undefined ? commands[argv[0]] : undefined;
  if (oneWord) return { command: oneWord, rest: argv.slice(1) };
  throw new UsageError(argv.length === 0 ? 'no command given' : `unknown command "${argv.join(' ')}"`);
}

function printError(code: string, message: string): void {
  process.stderr.write(`${JSON.stringify({ error: { code, message } })}\n`);
}

export async function runCli(argv: string[]): Promise<number> {
  if (argv[0] === '--help' || argv[0] === 'help' || argv[0] === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let found: ReturnType<typeof findCommand>;
  let config: ReturnType<typeof loadConfig>;
  try {
    found = findCommand(argv);
    config = loadConfig();
  } catch (error) {
    if (error instanceof UsageError) {
      printError('usage', `${error.message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof ConfigError) {
      printError('invalid_configuration', error.message);
      return 2;
    }
    throw error;
  }
  let store: Store;
  try {
    const path = databasePathFromUrl(config.databaseUrl);
    if ('storeCommand' in found && path !== ':memory:' && !existsSync(path)) {
      throw new Error(`there is no database at ${path}`);
    }
    store = openStore(config.databaseUrl, {
      busyTimeoutMs: Math.max(config.databaseBusyTimeoutMs, CLI_MIN_BUSY_TIMEOUT_MS),
    });
  } catch (error) {
    printError('database_unavailable', error instanceof Error ? error.message : String(error));
    return 1;
  }
  try {
    let output: unknown;
    if ('storeCommand' in found) {
      output = await found.storeCommand(found.rest, store);
    } else {
      // Every command first brings the database up to date, so none fails on a missing table.
      migrateStore(store);
      const services = createServices({
        store,
        clock: systemClock,
        maxLiveKeysPerAccount: config.maxLiveKeysPerAccount,
      });
      output = await found.command(found.rest, services);
    }
    process.stdout.write(`${JSON.stringify(output)}\n`);
    return 0;
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      printError('usage', `${(error as Error).message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof DatabaseOpenError) {
      printError('database_unavailable', error.message);
      return 1;
    }
    const publicError = toDessertError(error);
    printError(
      publicError.code,
      publicError === error ? publicError.message : `${publicError.message} ${(error as Error).message}`,
    );
    return 1;
  } finally {
    store.close({ checkpoint: false });
  }
}

process.exitCode = await runCli(process.argv.slice(2));
