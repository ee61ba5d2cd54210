// GraphQL over HTTP compliance: the graphql-http audit suite (serverAudits) against the real
// server, its requests carrying a valid key (authentication comes first, so without one every
// audit would meet a 401). Every audit (MUST, SHOULD and MAY) passes with no warning or notice:
// any result but "ok" fails here.

import { serverAudits } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestAccount, type TestServer } from './support/server.ts';

let app: TestServer;
let account: TestAccount;

beforeAll(async () => {
  app = await startTestServer();
  account = app.createAccount();
});
afterAll(() => app.close());

/** fetch with the caller's Bearer key added to whatever headers the audit sends. */
function fetchWithKey(input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${account.key}`);
  return fetch(input, { ...init, headers });
}

const audits = serverAudits({ url: () => `${app.baseUrl}/graphql`, fetchFn: fetchWithKey });

describe('graphql-http serverAudits with a valid key', () => {
  it('runs the whole suite', () => {
    expect(audits.length).toBeGreaterThan(50);
  });

  for (const audit of audits) {
    it(audit.name, async () => {
      const result = await audit.fn();
      if (result.status === 'ok') return;
      const body = await result.response.text().catch(() => '');
      expect.fail(`${result.status}: ${result.reason} (HTTP ${result.response.status}: ${body.slice(0, 300)})`);
    });
  }
});
