// Crash safety: a key the API has shown to a client is never lost. Clients create, rotate and
// revoke keys through GraphQL while the real server process is killed with SIGKILL at a random
// moment; after each kill the file passes PRAGMA integrity_check, and a server restarted on it
// authenticates every key whose creation or rotation was answered, and rejects every key whose
// revocation (by revokeApiKey or by a rotation without grace) was answered. (The store runs WAL
// with synchronous=FULL: a commit is on disk before its answer leaves.)

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { baseUrlOf, type ServerProcess, startServerProcess } from './support/processes.ts';
import { tempDir } from './support/server.ts';

const ROUNDS = 4;
const CLIENTS = 4;
const MAX_REQUESTS_PER_CLIENT = 400;

const dir = tempDir('dessert-crash-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A small seeded generator, so a failure can be replayed from the seed in its message. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Acknowledged {
  /** Keys whose creation or rotation the client saw answered: they must authenticate. */
  live: Map<string, string>;
  /** Keys revoked by an answered revocation or rotation without grace: they must not. */
  revoked: Map<string, string>;
}

async function graphql(baseUrl: string, key: string, query: string, variables: Record<string, unknown>) {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  return {
    status: response.status,
    body: (await response.json()) as { data?: Record<string, unknown>; errors?: unknown },
  };
}

const CREATE = 'mutation ($name: String) { createApiKey(input: { name: $name }) { apiKey { id } secret } }';
const REVOKE = 'mutation ($id: ID!) { revokeApiKey(input: { id: $id }) { status } }';
const ROTATE =
  'mutation ($id: ID!, $grace: Int) { rotateApiKey(input: { id: $id, gracePeriodSeconds: $grace }) { apiKey { id } secret } }';

/** One client: creates keys, and rotates and revokes ones it created, until its server dies. */
async function client(baseUrl: string, adminKey: string, acknowledged: Acknowledged, next: () => number) {
  const mine: { id: string; secret: string }[] = [];
  for (let i = 0; i < MAX_REQUESTS_PER_CLIENT; i += 1) {
    try {
      const target = mine.length > 0 && next() < 0.4 ? mine.splice(Math.floor(next() * mine.length), 1)[0] : undefined;
      if (target === undefined) {
        const { status, body } = await graphql(baseUrl, adminKey, CREATE, { name: `crash ${i}` });
        expect(status, JSON.stringify(body)).toBe(200);
        const created = body.data?.createApiKey as { apiKey: { id: string }; secret: string };
        acknowledged.live.set(created.apiKey.id, created.secret);
        mine.push({ id: created.apiKey.id, secret: created.secret });
      } else if (next() < 0.25) {
        // Unanswered, a revocation may or may not have happened: the key is owed nothing until
        // the answer comes.
        acknowledged.live.delete(target.id);
        const { status, body } = await graphql(baseUrl, adminKey, REVOKE, { id: target.id });
        expect(status, JSON.stringify(body)).toBe(200);
        acknowledged.revoked.set(target.id, target.secret);
      } else {
        const grace = next() < 0.5 ? 0 : 300;
        // Likewise a rotation without grace, for its target.
        if (grace === 0) acknowledged.live.delete(target.id);
        const { status, body } = await graphql(baseUrl, adminKey, ROTATE, { id: target.id, grace });
        expect(status, JSON.stringify(body)).toBe(200);
        const rotated = body.data?.rotateApiKey as { apiKey: { id: string }; secret: string };
        acknowledged.live.set(rotated.apiKey.id, rotated.secret);
        if (grace === 0) acknowledged.revoked.set(target.id, target.secret);
        mine.push({ id: rotated.apiKey.id, secret: rotated.secret });
      }
    } catch (error) {
      // The server was killed under this request: it was never answered, so nothing is owed.
      if ((error as Error).name === 'AssertionError') throw error;
      return;
    }
  }
}

let checks = 0;

/** Each check comes from its own (forwarded) address, so the rejected ones are not throttled. */
async function statusOf(baseUrl: string, key: string): Promise<number> {
  checks += 1;
  const response = await fetch(`${baseUrl}/v1/brands`, {
    headers: { authorization: `Bearer ${key}`, 'x-forwarded-for': `10.7.${checks >> 8}.${checks & 255}` },
  });
  await response.arrayBuffer();
  return response.status;
}

describe('crash safety under SIGKILL', () => {
  it('keeps every answered key, and the file intact, across kills at random moments', async () => {
    const seed = Date.now();
    const next = random(seed);
    const databasePath = join(dir, 'dessert.db');
    const env = {
      DATABASE_URL: `file:${databasePath}`,
      PORT: '0',
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      MAX_LIVE_KEYS_PER_ACCOUNT: '10000',
      TRUST_PROXY: 'true',
    };
    const acknowledged: Acknowledged = { live: new Map(), revoked: new Map() };
    let adminKey: string | undefined;

    for (let round = 0; round < ROUNDS; round += 1) {
      const server: ServerProcess = await startServerProcess(env);
      try {
        const baseUrl = baseUrlOf(server);
        // The first start makes a demo account on the empty file and prints its key once.
        adminKey ??= /^\s+(dsrt_live_[0-9a-f]{40})$/m.exec(server.stderr())?.[1];
        if (adminKey === undefined) throw new Error(`no demo key printed:\n${server.stderr()}`);

        // Everything answered before this restart is still there, and the revoked stay revoked.
        for (const [id, secret] of acknowledged.live) {
          expect(await statusOf(baseUrl, secret), `key ${id}, round ${round}, seed ${seed}`).toBe(200);
        }
        for (const [id, secret] of acknowledged.revoked) {
          expect(await statusOf(baseUrl, secret), `revoked key ${id}, round ${round}, seed ${seed}`).toBe(401);
        }

        const clients = Array.from({ length: CLIENTS }, () => client(baseUrl, adminKey as string, acknowledged, next));
        const killAfterMs = 150 + Math.floor(next() * 600);
        await new Promise((resolve) => setTimeout(resolve, killAfterMs));
        server.child.kill('SIGKILL');
        await Promise.all(clients);
        await server.exited;
      } finally {
        server.child.kill('SIGKILL');
      }

      const file = new Database(databasePath);
      try {
        expect(file.pragma('integrity_check', { simple: true }), `round ${round}, seed ${seed}`).toBe('ok');
        expect(file.pragma('foreign_key_check')).toEqual([]);
      } finally {
        file.close();
      }
    }

    // The kills landed while keys were being written: the test exercised what it claims to.
    expect(acknowledged.live.size).toBeGreaterThan(ROUNDS * 5);
    expect(acknowledged.revoked.size).toBeGreaterThan(0);

    const last = await startServerProcess(env);
    try {
      const baseUrl = baseUrlOf(last);
      for (const [id, secret] of acknowledged.live) {
        expect(await statusOf(baseUrl, secret), `key ${id} after the last kill, seed ${seed}`).toBe(200);
      }
      for (const [id, secret] of acknowledged.revoked) {
        expect(await statusOf(baseUrl, secret), `revoked key ${id} after the last kill, seed ${seed}`).toBe(401);
      }
    } finally {
      last.child.kill('SIGTERM');
      await last.exited;
    }
  });
});
