// Mixed load against the real server process, loopback only, bounded in time and in count
// (`npm run load:mixed`; LOAD_SECONDS, default 20). Many concurrent clients send valid, rotating,
// revoked, unknown and malformed keys, keys of a suspended account and of a brand still
// onboarding, over REST and GraphQL; beside them, clients create, rotate (also two at once on the
// same key) and revoke keys through GraphQL, and the operator CLI writes to the same database file
// from other processes. It passes when no answer is a 5xx, every answer carries the status and
// code its key calls for, and afterwards every key is where the answers said (no key lost, none
// duplicated) and the file passes integrity_check. Prints one JSON summary; exits 1 on a failure.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { systemClock } from '../../src/clock.ts';
import { migrateStore, openStore } from '../../src/db/database.ts';
import { generateApiKey, hashApiKey } from '../../src/keys/api-key.ts';
import { createServices } from '../../src/services.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DURATION_MS = Math.min(Number(process.env.LOAD_SECONDS ?? 20), 120) * 1000;
const READERS = 24;
const MUTATORS = 4;
const MAX_REQUESTS = 400_000; // a ceiling on the whole run, whatever the machine's speed
/** A change made by another process is in force in a running server within this (SPEC §6). */
const CROSS_PROCESS_FRESHNESS_MS = 5_000;

// ---------------------------------------------------------------------------------------------
// Bookkeeping

const violations: string[] = [];
const byStatus = new Map<number, number>();
const latencies: number[] = [];
let requests = 0;
let mutations = 0;
let concurrentRotations = 0;
let cliRuns = 0;

function violation(message: string): void {
  if (violations.length < 50) violations.push(message);
}

/** Failed authentications come from fresh (forwarded) addresses, so none trips the throttle. */
let addressCounter = 0;
function freshAddress(): string {
  addressCounter += 1;
  return `10.${(addressCounter >> 16) & 255}.${(addressCounter >> 8) & 255}.${addressCounter & 255}`;
}

interface Answer {
  status: number;
  code: string | undefined;
  body: Record<string, unknown> | null;
}

async function send(url: string, init: RequestInit): Promise<Answer> {
  requests += 1;
  const started = performance.now();
  const response = await fetch(url, init);
  const text = await response.text();
  latencies.push(performance.now() - started);
  byStatus.set(response.status, (byStatus.get(response.status) ?? 0) + 1);
  if (response.status >= 500) violation(`${response.status} from ${init.method ?? 'GET'} ${url}: ${text}`);
  let body: Record<string, unknown> | null = null;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = null;
  }
  const restCode = (body?.error as { code?: string } | undefined)?.code;
  const graphqlCode = (body?.errors as { extensions?: { code?: string } }[] | undefined)?.[0]?.extensions?.code;
  return { status: response.status, code: restCode ?? graphqlCode, body };
}

function headersFor(authorization: string | undefined, address: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-forwarded-for': address,
    ...(authorization === undefined ? {} : { authorization }),
  };
}

function rest(baseUrl: string, path: string, authorization: string | undefined, address = freshAddress()) {
  return send(`${baseUrl}${path}`, { headers: headersFor(authorization, address) });
}

function graphql(
  baseUrl: string,
  query: string,
  authorization: string | undefined,
  variables: Record<string, unknown> = {},
  address = freshAddress(),
) {
  return send(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: headersFor(authorization, address),
    body: JSON.stringify({ query, variables }),
  });
}

const bearer = (key: string) => `Bearer ${key}`;

// ---------------------------------------------------------------------------------------------
// The database, seeded in this process before the server starts

const dir = mkdtempSync(join(tmpdir(), 'dessert-mixed-load-'));
const databaseUrl = `file:${join(dir, 'dessert.db')}`;
const seedStore = openStore(databaseUrl);
migrateStore(seedStore);
const seed = createServices({ store: seedStore, clock: systemClock, maxLiveKeysPerAccount: 10_000 });
const operator = { type: 'operator' } as const;

const ready = seed.accounts.createAccount({
  name: 'Ready',
  brandName: 'Ready Desserts',
  brandDomain: 'ready.example',
  balanceCents: 4200,
  currency: 'USD',
});
const adminKey = ready.firstKey.secret; // the mutators' key: never rotated or revoked
const validKeys = [adminKey];
for (let i = 0; i < 3; i += 1)
  validKeys.push(seed.keys.createApiKey(ready.accountId, { name: `valid ${i}` }, operator).secret);
const toRotate = seed.keys.createApiKey(ready.accountId, { name: 'rotating' }, operator);
const rotation = seed.keys.rotateApiKey(ready.accountId, { id: toRotate.apiKey.id, gracePeriodSeconds: 300 }, operator);
const rotatingKey = toRotate.secret; // ROTATING for five minutes: still works
validKeys.push(rotation.secret);
const toRevoke = seed.keys.createApiKey(ready.accountId, { name: 'revoked' }, operator);
seed.keys.revokeApiKey(ready.accountId, toRevoke.apiKey.id, operator);
const revokedKey = toRevoke.secret;
const suspended = seed.accounts.createAccount({ name: 'Suspended', brandName: 'S', brandDomain: 'suspended.example' });
seed.accounts.suspendAccount(suspended.accountId);
const onboarding = seed.accounts.createAccount({
  name: 'Onboarding',
  brandName: 'O',
  brandDomain: 'onboarding.example',
  onboarding: true,
});
const seededKeyCount = seedStore.sqlite.prepare('SELECT count(*) FROM api_keys').pluck().get() as number;
seedStore.close();

// ---------------------------------------------------------------------------------------------
// The cases readers draw from: a request and the one answer it must get

interface Case {
  name: string;
  run(baseUrl: string): Promise<Answer>;
  status: number;
  code?: string;
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;
const BALANCE = '{ balance { amountCents currency } }';
const BRANDS = '{ brands { name onboardingStatus } }';

const cases: Case[] = [
  { name: 'valid key, REST balance', run: (u) => rest(u, '/v1/balance', bearer(pick(validKeys))), status: 200 },
  { name: 'valid key, GraphQL balance', run: (u) => graphql(u, BALANCE, bearer(pick(validKeys))), status: 200 },
  { name: 'rotating key, REST brands', run: (u) => rest(u, '/v1/brands', bearer(rotatingKey)), status: 200 },
  { name: 'rotating key, GraphQL balance', run: (u) => graphql(u, BALANCE, bearer(rotatingKey)), status: 200 },
  {
    name: 'revoked key, REST',
    run: (u) => rest(u, '/v1/balance', bearer(revokedKey)),
    status: 401,
    code: 'invalid_api_key',
  },
  {
    name: 'revoked key, GraphQL',
    run: (u) => graphql(u, BALANCE, bearer(revokedKey)),
    status: 401,
    code: 'invalid_api_key',
  },
  {
    name: 'unknown key',
    run: (u) => rest(u, '/v1/brands', bearer(generateApiKey())),
    status: 401,
    code: 'invalid_api_key',
  },
  {
    name: 'malformed key',
    run: (u) => graphql(u, BRANDS, 'Bearer dsrt_live_not-hex'),
    status: 401,
    code: 'invalid_key_format',
  },
  {
    name: 'wrong prefix',
    run: (u) => rest(u, '/v1/balance', 'Bearer sk_live_123'),
    status: 401,
    code: 'invalid_key_format',
  },
  {
    name: 'no header',
    run: (u) => rest(u, '/v1/balance', undefined),
    status: 401,
    code: 'missing_authorization',
  },
  {
    name: 'Basic scheme',
    run: (u) => graphql(u, BALANCE, 'Basic dXNlcjpwYXNz'),
    status: 401,
    code: 'invalid_authorization_scheme',
  },
  {
    name: 'suspended account, REST',
    run: (u) => rest(u, '/v1/brands', bearer(suspended.firstKey.secret)),
    status: 403,
    code: 'account_suspended',
  },
  {
    name: 'suspended account, GraphQL',
    run: (u) => graphql(u, BRANDS, bearer(suspended.firstKey.secret)),
    status: 403,
    code: 'account_suspended',
  },
  {
    name: 'onboarding brand, REST balance',
    run: (u) => rest(u, '/v1/balance', bearer(onboarding.firstKey.secret)),
    status: 425,
    code: 'brand_onboarding_in_progress',
  },
  {
    name: 'onboarding brand, GraphQL balance',
    run: (u) => graphql(u, BALANCE, bearer(onboarding.firstKey.secret)),
    status: 425,
    code: 'brand_onboarding_in_progress',
  },
  {
    name: 'onboarding brand, REST brands',
    run: (u) => rest(u, '/v1/brands', bearer(onboarding.firstKey.secret)),
    status: 200,
  },
];

function check(name: string, answer: Answer, status: number, code?: string): boolean {
  if (answer.status === status && (code === undefined || answer.code === code)) return true;
  violation(`${name}: expected ${status} ${code ?? ''}, got ${answer.status} ${answer.code ?? ''}`);
  return false;
}

// ---------------------------------------------------------------------------------------------
// Key owners' view: what the answers said about each key

/** id → secret: keys whose creation or rotation was answered and that no answer revoked. */
const liveKeys = new Map<string, string>();
/** id → secret: keys an answer (GraphQL or CLI) said were revoked. */
const revokedKeys = new Map<string, string>();
let createdByApi = 0;
let createdByCli = 0;

const CREATE = 'mutation ($name: String) { createApiKey(input: { name: $name }) { apiKey { id } secret } }';
const ROTATE =
  'mutation ($id: ID!, $grace: Int) { rotateApiKey(input: { id: $id, gracePeriodSeconds: $grace }) { apiKey { id } secret } }';
const REVOKE = 'mutation ($id: ID!) { revokeApiKey(input: { id: $id }) { status } }';

const ADMIN_ADDRESS = '10.250.0.1';

/** The key a createApiKey or rotateApiKey answer issued. */
function issued(answer: Answer | undefined, field: 'createApiKey' | 'rotateApiKey'): { id: string; secret: string } {
  const data = (answer?.body?.data ?? {}) as Record<string, { apiKey: { id: string }; secret: string }>;
  const key = data[field];
  if (key === undefined) throw new Error(`${field} answered no key: ${JSON.stringify(answer?.body)}`);
  return { id: key.apiKey.id, secret: key.secret };
}

async function mutator(baseUrl: string, deadline: number): Promise<void> {
  const mine: { id: string; secret: string }[] = [];
  while (Date.now() < deadline && requests < MAX_REQUESTS) {
    const roll = Math.random();
    mutations += 1;
    if (mine.length < 3 || roll < 0.4) {
      const answer = await graphql(baseUrl, CREATE, bearer(adminKey), { name: 'load' }, ADMIN_ADDRESS);
      if (!check('createApiKey', answer, 200)) continue;
      const created = issued(answer, 'createApiKey');
      createdByApi += 1;
      liveKeys.set(created.id, created.secret);
      mine.push({ id: created.id, secret: created.secret });
      check('a new key, at once', await rest(baseUrl, '/v1/brands', bearer(created.secret)), 200);
    } else if (roll < 0.7) {
      const [target] = mine.splice(Math.floor(Math.random() * mine.length), 1);
      if (target === undefined) continue;
      const grace = Math.random() < 0.5 ? 0 : 300;
      const answer = await graphql(baseUrl, ROTATE, bearer(adminKey), { id: target.id, grace }, ADMIN_ADDRESS);
      if (!check('rotateApiKey', answer, 200)) continue;
      const rotated = issued(answer, 'rotateApiKey');
      createdByApi += 1;
      liveKeys.set(rotated.id, rotated.secret);
      mine.push({ id: rotated.id, secret: rotated.secret });
      check('a successor, at once', await rest(baseUrl, '/v1/brands', bearer(rotated.secret)), 200);
      if (grace === 0) {
        liveKeys.delete(target.id);
        revokedKeys.set(target.id, target.secret);
        check(
          'rotated without grace',
          await rest(baseUrl, '/v1/brands', bearer(target.secret)),
          401,
          'invalid_api_key',
        );
      } else {
        check('rotated with grace', await rest(baseUrl, '/v1/brands', bearer(target.secret)), 200);
      }
    } else if (roll < 0.85) {
      // Two rotations of one key at once: exactly one successor, the other gets a conflict.
      const [target] = mine.splice(Math.floor(Math.random() * mine.length), 1);
      if (target === undefined) continue;
      concurrentRotations += 1;
      const answers = await Promise.all(
        [0, 1].map(() => graphql(baseUrl, ROTATE, bearer(adminKey), { id: target.id, grace: 0 }, ADMIN_ADDRESS)),
      );
      const winners = answers.filter((a) => a.status === 200);
      const losers = answers.filter((a) => a.status === 409 && a.code === 'api_key_not_rotatable');
      if (winners.length !== 1 || losers.length !== 1) {
        violation(`concurrent rotation: ${answers.map((a) => `${a.status} ${a.code ?? ''}`).join(', ')}`);
        continue;
      }
      const rotated = issued(winners[0], 'rotateApiKey');
      createdByApi += 1;
      liveKeys.set(rotated.id, rotated.secret);
      liveKeys.delete(target.id);
      revokedKeys.set(target.id, target.secret);
      mine.push({ id: rotated.id, secret: rotated.secret });
    } else {
      const [target] = mine.splice(Math.floor(Math.random() * mine.length), 1);
      if (target === undefined) continue;
      const answer = await graphql(baseUrl, REVOKE, bearer(adminKey), { id: target.id }, ADMIN_ADDRESS);
      if (!check('revokeApiKey', answer, 200)) continue;
      liveKeys.delete(target.id);
      revokedKeys.set(target.id, target.secret);
      check('a revoked key, at once', await rest(baseUrl, '/v1/brands', bearer(target.secret)), 401, 'invalid_api_key');
    }
  }
}

async function reader(baseUrl: string, deadline: number): Promise<void> {
  while (Date.now() < deadline && requests < MAX_REQUESTS) {
    const testCase = pick(cases);
    check(testCase.name, await testCase.run(baseUrl), testCase.status, testCase.code);
  }
}

// ---------------------------------------------------------------------------------------------
// The operator CLI, writing to the same file from other processes

function cli(args: string[], input = ''): Promise<{ status: number | null; json: Record<string, unknown> | null }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: databaseUrl, MAX_LIVE_KEYS_PER_ACCOUNT: '10000' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.stderr.on('data', (chunk) => {
      err += chunk;
    });
    child.stdin.end(input);
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      cliRuns += 1;
      let json: Record<string, unknown> | null = null;
      try {
        json = JSON.parse(out) as Record<string, unknown>;
      } catch {
        violation(`CLI ${args.join(' ')} exited ${status}: ${err.trim()}`);
      }
      if (status !== 0) violation(`CLI ${args.join(' ')} exited ${status}: ${err.trim()}`);
      resolve({ status, json });
    });
  });
}

/** Polls (bounded by the freshness promise) until a key gets the expected status. */
async function untilStatus(baseUrl: string, key: string, status: number, what: string): Promise<void> {
  const giveUpAt = Date.now() + CROSS_PROCESS_FRESHNESS_MS + 500;
  let last: Answer | undefined;
  while (Date.now() < giveUpAt) {
    last = await rest(baseUrl, '/v1/brands', bearer(key));
    if (last.status === status) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  violation(`${what}: still ${last?.status} after ${CROSS_PROCESS_FRESHNESS_MS} ms, expected ${status}`);
}

async function operatorLoop(baseUrl: string, deadline: number): Promise<void> {
  let round = 0;
  while (Date.now() < deadline) {
    round += 1;
    const created = await cli(['keys', 'create', ready.accountId, '--name', `cli ${round}`]);
    const apiKey = created.json?.apiKey as { id: string } | undefined;
    const secret = created.json?.secret as string | undefined;
    if (apiKey === undefined || secret === undefined) continue;
    createdByCli += 1;
    liveKeys.set(apiKey.id, secret);
    await untilStatus(baseUrl, secret, 200, 'a key the CLI created');
    await cli(['balance', 'set', ready.accountId, String(4200 + round)]);
    if (round % 2 === 0) {
      const leaked = await cli(['keys', 'revoke-leaked'], `${secret}\n`);
      if (leaked.json?.revoked !== 1) violation(`revoke-leaked answered ${JSON.stringify(leaked.json)}`);
      liveKeys.delete(apiKey.id);
      revokedKeys.set(apiKey.id, secret);
      await untilStatus(baseUrl, secret, 401, 'a key the CLI revoked as leaked');
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The run

function startServer(): Promise<{ child: ChildProcess; baseUrl: string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: '0',
      HOST: '127.0.0.1',
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      TRUST_PROXY: 'true',
      MAX_LIVE_KEYS_PER_ACCOUNT: '10000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stdout?.resume();
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start:\n${err}`)), 30_000);
    child.stderr?.on('data', (chunk) => {
      err += chunk;
      const match = /GraphQL \(and GraphiQL in a browser\): (http:\/\/\S+)\/graphql/.exec(err);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve({ child, baseUrl: match[1], exited });
      }
    });
    exited.then((code) => reject(new Error(`the server exited with ${code}:\n${err}`)));
  });
}

function percentile(sorted: number[], p: number): number {
  return Number((sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0).toFixed(2));
}

async function main(): Promise<number> {
  const server = await startServer();
  let exitCode: number | null = null;
  try {
    const started = Date.now();
    const deadline = started + DURATION_MS;
    await Promise.all([
      ...Array.from({ length: READERS }, () => reader(server.baseUrl, deadline)),
      ...Array.from({ length: MUTATORS }, () => mutator(server.baseUrl, deadline)),
      operatorLoop(server.baseUrl, deadline),
    ]);
    const elapsedMs = Date.now() - started;

    // Afterwards: every key is where the answers said.
    for (const [id, secret] of liveKeys)
      check(`live key ${id}`, await rest(server.baseUrl, '/v1/brands', bearer(secret)), 200);
    for (const [id, secret] of revokedKeys) {
      check(`revoked key ${id}`, await rest(server.baseUrl, '/v1/brands', bearer(secret)), 401, 'invalid_api_key');
    }

    server.child.kill('SIGTERM');
    exitCode = await server.exited;
    if (exitCode !== 0) violation(`the server exited with ${exitCode} on SIGTERM`);

    const file = new Database(join(dir, 'dessert.db'));
    const integrity = file.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') violation(`integrity_check: ${integrity}`);
    const keyCount = file.prepare('SELECT count(*) FROM api_keys').pluck().get() as number;
    const expectedKeys = seededKeyCount + createdByApi + createdByCli;
    if (keyCount !== expectedKeys) violation(`${keyCount} keys in the file, the answers account for ${expectedKeys}`);
    const byHash = file.prepare('SELECT count(*) FROM api_keys WHERE key_hash = ?').pluck();
    for (const [id, secret] of [...liveKeys, ...revokedKeys]) {
      const copies = byHash.get(hashApiKey(secret));
      if (copies !== 1) violation(`key ${id} is in the file ${copies} times`);
    }
    file.close();

    const sorted = latencies.sort((a, b) => a - b);
    const summary = {
      passed: violations.length === 0,
      seconds: Number((elapsedMs / 1000).toFixed(1)),
      requests,
      requestsPerSecond: Math.round(requests / (elapsedMs / 1000)),
      latencyMs: { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: percentile(sorted, 100) },
      byStatus: Object.fromEntries([...byStatus].sort(([a], [b]) => a - b)),
      fiveHundreds: [...byStatus].filter(([status]) => status >= 500).reduce((sum, [, n]) => sum + n, 0),
      mutations,
      concurrentRotations,
      keys: { seeded: seededKeyCount, createdByApi, createdByCli, inFile: keyCount, live: liveKeys.size },
      cliRuns,
      violations,
    };
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return summary.passed ? 0 : 1;
  } finally {
    if (exitCode === null) server.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
