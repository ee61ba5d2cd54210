// Requests a well-behaved client (or fetch) never sends: raw request lines, odd Hosts, odd paths,
// bodies and media types. Each gets a documented 4xx from the catalogue, never a 5xx or a stack
// trace, and never a key quoted back.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey } from '../src/keys/api-key.ts';
import { ROOT } from './support/processes.ts';
import { freshClient, startTestServer, type TestServer, tempDir } from './support/server.ts';

let app: TestServer;
let key: string;
beforeAll(async () => {
  app = await startTestServer({ env: { NODE_ENV: 'production' } });
  key = app.createAccount().key;
});
afterAll(() => app.close());

/** Sends bytes as they are and returns the raw response (status line, headers, body). */
function raw(request: string): Promise<{ status: number; text: string }> {
  const { port } = new URL(app.baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.end(request));
    let text = '';
    socket.on('data', (chunk) => {
      text += chunk;
    });
    socket.on('end', () => resolve({ status: Number(text.slice(9, 12)), text }));
    socket.on('error', reject);
  });
}

describe('request lines and Hosts that are not a URL', () => {
  it.each([
    [
      'an absolute-form target',
      'POST http://x/graphql HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nConnection: close\r\n\r\n{bad',
    ],
    ['an asterisk target', 'OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
    ['a Host with a space', 'GET /graphql HTTP/1.1\r\nHost: a b\r\nConnection: close\r\n\r\n'],
    ['a Host with a bad port', 'GET /health HTTP/1.1\r\nHost: x:99999\r\nConnection: close\r\n\r\n'],
  ])('%s → 400 bad_request, no stack trace', async (_name, request) => {
    const response = await raw(request);
    expect(response.status).toBe(400);
    expect(response.text).toContain('"code":"bad_request"');
    expect(response.text).not.toMatch(/TypeError|at \w+ \(|node_modules/);
  });
});

describe('paths, methods and media types', () => {
  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])(
    'GraphiQL asset named %s is a 404, not a 500',
    async (name) => {
      const response = await fetch(`${app.baseUrl}/graphiql/5.24.1/${name}`, { headers: freshClient() });
      expect(response.status).toBe(404);
    },
  );

  it('GraphiQL is served at /graphql only, not at other paths ending in /graphql', async () => {
    for (const path of ['/v1/graphql', '/anything/graphql']) {
      const response = await fetch(`${app.baseUrl}${path}`, { headers: { ...freshClient(), accept: 'text/html' } });
      expect(response.headers.get('content-type')).not.toContain('text/html');
      expect(response.status === 401 || response.status === 404).toBe(true);
    }
  });

  it('another method on /graphql without a key gets 401 first', async () => {
    for (const method of ['PUT', 'DELETE', 'PATCH']) {
      const response = await fetch(`${app.baseUrl}/graphql`, { method, headers: freshClient() });
      expect(response.status).toBe(401);
    }
    const withKey = await fetch(`${app.baseUrl}/graphql`, {
      method: 'PUT',
      headers: { ...freshClient(), authorization: `Bearer ${key}` },
    });
    expect(withKey.status).toBe(405);
    expect(await withKey.json()).toMatchObject({ errors: [{ extensions: { code: 'method_not_allowed' } }] });
  });

  it('a body Yoga has no parser for → 415 unsupported_media_type', async () => {
    const response = await fetch(`${app.baseUrl}/graphql`, {
      method: 'POST',
      headers: { ...freshClient(), authorization: `Bearer ${key}`, 'content-type': 'text/plain' },
      body: '{ brands { id } }',
    });
    expect(response.status).toBe(415);
    expect(await response.json()).toMatchObject({ errors: [{ extensions: { code: 'unsupported_media_type' } }] });
  });

  it('a mutation over GET → 405 method_not_allowed', async () => {
    const response = await fetch(
      `${app.baseUrl}/graphql?query=${encodeURIComponent('mutation { createApiKey { secret } }')}`,
      {
        headers: { ...freshClient(), authorization: `Bearer ${key}` },
      },
    );
    expect(response.status).toBe(405);
    expect(await response.json()).toMatchObject({ errors: [{ extensions: { code: 'method_not_allowed' } }] });
  });

  it('an operationName that names no operation → 400 operation_not_found', async () => {
    const { status, body } = await app.graphql('query A { brands { id } }', { key, headers: {} });
    expect(status).toBe(200);
    const response = await fetch(`${app.baseUrl}/graphql`, {
      method: 'POST',
      headers: { ...freshClient(), authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'query A { brands { id } }', operationName: 'B' }),
    });
    expect(body.errors).toBeUndefined();
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ errors: [{ extensions: { code: 'operation_not_found' } }] });
  });
});

describe('what error bodies may quote', () => {
  it('a body that is not JSON, holding a key, is a 400 that quotes neither the key nor the parser', async () => {
    const leaked = generateApiKey();
    const response = await fetch(`${app.baseUrl}/graphql`, {
      method: 'POST',
      headers: { ...freshClient(), authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: `{"query":"{ brands { id } }", "x": "${leaked}" bad`,
    });
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(text).not.toContain(leaked.slice(10));
    expect(JSON.parse(text)).toEqual({
      errors: [{ message: 'POST body sent invalid JSON.', extensions: { code: 'bad_request' } }],
    });
  });

  it('an impossible calendar date is refused, not moved to the next month', async () => {
    const { status, body } = await app.graphql(
      'mutation { createApiKey(input: { expiresAt: "2027-02-30T00:00:00Z" }) { secret } }',
      { key },
    );
    expect(status).toBe(400);
    expect(body.errors?.[0]?.extensions?.code).toBe('invalid_input');
  });
});

describe('configuration read from files', () => {
  it('an unreadable SECRET_SCANNING_PUBLIC_KEYS stops start-up as a configuration error, creating no database', () => {
    const dir = tempDir();
    const database = join(dir, 'never.db');
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        DATABASE_URL: `file:${database}`,
        PORT: '0',
        SECRET_SCANNING_PUBLIC_KEYS: join(dir, 'missing.json'),
      },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Invalid configuration');
    expect(result.stderr).toContain('SECRET_SCANNING_PUBLIC_KEYS');
    expect(existsSync(database)).toBe(false);
  });
});
