// Graceful shutdown of the real server process (docs/operations.md): on SIGTERM or SIGINT it stops
// accepting connections, finishes the requests in flight, saves lastUsedAt, checkpoints and closes
// the database and exits 0. A repeat of the signal within a second (npm forwards signals the
// process group already got) changes nothing; a second signal later exits at once.

import { rmSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseUrlOf, runCli, type ServerProcess, startServerProcess } from './support/processes.ts';
import { tempDir } from './support/server.ts';

let dir: string;
beforeAll(() => {
  dir = tempDir('dessert-shutdown-');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function newDatabase(name: string): { env: Record<string, string>; path: string; key: string; keyId: string } {
  const path = join(dir, `${name}.db`);
  const env = { DATABASE_URL: `file:${path}`, PORT: '0', NODE_ENV: 'test' };
  const created = runCli(
    ['accounts', 'create', '--name', name, '--brand-name', 'Shutdown', '--brand-domain', 'shutdown.example'],
    env,
  );
  expect(created.status, created.stderr).toBe(0);
  const json = created.json as { secret: string; apiKey: { id: string } };
  return { env, path, key: json.secret, keyId: json.apiKey.id };
}

interface SlowRequest {
  /** Resolves once the server has read the headers and is waiting for the body (100 Continue). */
  inFlight: Promise<void>;
  /** Sends the body: the server can now answer. */
  finish(): void;
  response: Promise<{ status: number; body: string }>;
}

/** A GraphQL request whose body comes only when the test says so: a request held in flight. */
function slowRequest(baseUrl: string, key: string): SlowRequest {
  const body = JSON.stringify({ query: '{ balance { amountCents currency } }' });
  const req = request(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      authorization: `Bearer ${key}`,
      expect: '100-continue',
    },
  });
  const inFlight = new Promise<void>((resolve) => req.once('continue', () => resolve()));
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.on('data', (chunk) => {
        text += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
  });
  req.flushHeaders();
  return { inFlight, finish: () => req.end(body), response };
}

function refusesConnections(baseUrl: string): Promise<boolean> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

/** Polls (bounded) until the port refuses new connections. */
async function untilRefused(baseUrl: string): Promise<boolean> {
  for (let i = 0; i < 100; i += 1) {
    if (await refusesConnections(baseUrl)) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

async function lastUsedAtOf(baseUrl: string, key: string, keyId: string): Promise<string | null> {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query: '{ apiKeys { id lastUsedAt } }' }),
  });
  const body = (await response.json()) as { data: { apiKeys: { id: string; lastUsedAt: string | null }[] } };
  return body.data.apiKeys.find((apiKey) => apiKey.id === keyId)?.lastUsedAt ?? null;
}

describe.concurrent('graceful shutdown', () => {
  it('on SIGTERM: refuses new connections, finishes the request in flight, saves lastUsedAt, exits 0', async () => {
    const { env, key, keyId } = newDatabase('sigterm');
    let server: ServerProcess | undefined = await startServerProcess(env);
    try {
      const baseUrl = baseUrlOf(server);
      const slow = slowRequest(baseUrl, key);
      await slow.inFlight;

      server.child.kill('SIGTERM');
      expect(await untilRefused(baseUrl)).toBe(true);
      slow.finish();
      const answer = await slow.response;
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body)).toEqual({ data: { balance: { amountCents: 0, currency: 'USD' } } });

      expect(await server.exited).toBe(0);
      expect(server.stdout()).toContain('"msg":"saved lastUsedAt"');
      expect(server.stdout()).toContain('"msg":"stopped"');
      server = undefined;

      // The use above was only in memory (the periodic save is a minute away): it survived.
      const restarted = await startServerProcess(env);
      try {
        expect(await lastUsedAtOf(baseUrlOf(restarted), key, keyId)).not.toBeNull();
      } finally {
        restarted.child.kill('SIGTERM');
        expect(await restarted.exited).toBe(0);
      }
    } finally {
      server?.child.kill('SIGKILL');
    }
  });

  it('still exits 0 when another process holds the database locked, reporting what it could not save', async () => {
    const { env, path, key } = newDatabase('locked-at-shutdown');
    // A busy timeout far beyond the exit deadline: shutdown must bound its own waits.
    const server = await startServerProcess({ ...env, DATABASE_BUSY_TIMEOUT_MS: '60000' });
    const holder = new Database(path);
    try {
      const used = await fetch(`${baseUrlOf(server)}/v1/brands`, { headers: { authorization: `Bearer ${key}` } });
      expect(used.status).toBe(200);
      holder.exec('BEGIN IMMEDIATE');
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      expect(server.stdout()).toContain('could not save lastUsedAt at shutdown');
      expect(server.stdout()).toContain('"msg":"stopped"');
    } finally {
      if (holder.inTransaction) holder.exec('ROLLBACK');
      holder.close();
      server.child.kill('SIGKILL');
    }
  });

  it('takes a repeated SIGINT within a second as the same request (npm forwards it twice)', async () => {
    const { env } = newDatabase('sigint-twice');
    const server = await startServerProcess(env);
    server.child.kill('SIGINT');
    server.child.kill('SIGINT');
    expect(await server.exited).toBe(0);
    expect(server.stdout()).toContain('"msg":"stopped"');
    expect(server.stdout()).not.toContain('second signal');
  });

  it('exits at once on a second signal after the first second, without waiting for requests', async () => {
    const { env, key } = newDatabase('second-signal');
    const server = await startServerProcess(env);
    try {
      const slow = slowRequest(baseUrlOf(server), key);
      slow.response.catch(() => undefined); // its connection dies with the process
      await slow.inFlight;
      server.child.kill('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 1_300));
      server.child.kill('SIGTERM');
      // 128 + 15: the "now" path, not the drain (0) nor the shutdown deadline (1).
      expect(await server.exited).toBe(143);
      expect(server.stdout()).toContain('second signal: exiting at once');
    } finally {
      server.child.kill('SIGKILL');
    }
  });
});
