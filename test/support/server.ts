// A real Dessert API server for tests: a real SQLite file in a temp folder, node:http on an
// ephemeral loopback port, the test's own clock. No mocks.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { CreateAccountInput } from '../../src/accounts/account-service.ts';
import { type Clock, ManualClock } from '../../src/clock.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { createDessertServer, type DessertServer } from '../../src/server.ts';

export interface TestAccount {
  accountId: string;
  brandId: string;
  keyId: string;
  key: string;
}

export interface TestServer {
  baseUrl: string;
  dir: string;
  databaseUrl: string;
  databasePath: string;
  server: DessertServer;
  clock: ManualClock;
  /** Every log line the server wrote, as text. */
  logs: string[];
  createAccount(input?: Partial<CreateAccountInput>): TestAccount;
  /** POST /graphql with a Bearer key (or a raw Authorization value, or none). */
  graphql(
    query: string,
    options?: {
      key?: string | null;
      authorization?: string;
      variables?: Record<string, unknown>;
      accept?: string;
      headers?: Record<string, string>;
    },
  ): Promise<{ status: number; headers: Headers; body: GraphQLBody }>;
  /** GET a REST path with a Bearer key. */
  rest(
    path: string,
    key?: string | null,
    init?: RequestInit,
  ): Promise<{ status: number; headers: Headers; body: unknown }>;
  close(): Promise<void>;
}

export interface GraphQLBody {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

let clientCounter = 0;

/**
 * A distinct client address for each request (TEST-NET-3, RFC 5737; only ever a header value),
 * so tests that send many bad keys on purpose are not throttled by the failure limit. The test
 * server trusts X-Forwarded-For unless a test turns TRUST_PROXY off.
 */
export function freshClient(): Record<string, string> {
  clientCounter += 1;
  return {
    'x-forwarded-for': `203.0.113.${clientCounter % 250}, 198.51.${Math.floor(clientCounter / 250) % 250}.${clientCounter % 250}`,
  };
}

export function tempDir(prefix = 'dessert-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function startTestServer(
  options: { env?: Record<string, string>; clock?: Clock; dir?: string } = {},
): Promise<TestServer> {
  const dir = options.dir ?? tempDir();
  const databasePath = join(dir, 'dessert.db');
  const databaseUrl = `file:${databasePath}`;
  const config = loadConfig({
    DATABASE_URL: databaseUrl,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'debug',
    TRUST_PROXY: 'true',
    ...options.env,
  });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const clock = (options.clock as ManualClock | undefined) ?? new ManualClock(Date.now());
  const server = createDessertServer({ config, logger: createLogger(config.logLevel, sink), clock });
  const baseUrl = await server.listen();

  const authorizationFor = (key: string | null | undefined, authorization?: string): Record<string, string> => {
    if (authorization !== undefined) return { authorization };
    return key ? { authorization: `Bearer ${key}` } : {};
  };

  return {
    baseUrl,
    dir,
    databaseUrl,
    databasePath,
    server,
    clock,
    logs,
    createAccount(input = {}) {
      const created = server.services.accounts.createAccount({
        name: 'Test account',
        brandName: 'Test Brand',
        brandDomain: 'test-brand.example',
        balanceCents: 4200,
        currency: 'USD',
        ...input,
      });
      return {
        accountId: created.accountId,
        brandId: created.brandId,
        keyId: created.firstKey.apiKey.id,
        key: created.firstKey.secret,
      };
    },
    async graphql(query, { key, authorization, variables, accept, headers } = {}) {
      const response = await fetch(`${baseUrl}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: accept ?? 'application/graphql-response+json, application/json',
          ...freshClient(),
          ...authorizationFor(key, authorization),
          ...headers,
        },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, headers: response.headers, body: (await response.json()) as GraphQLBody };
    },
    async rest(path, key, init = {}) {
      const response = await fetch(`${baseUrl}${path}`, {
        ...init,
        headers: {
          ...freshClient(),
          ...authorizationFor(key),
          ...(init.headers as Record<string, string> | undefined),
        },
      });
      const text = await response.text();
      return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null };
    },
    async close() {
      await server.close();
      if (!options.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
