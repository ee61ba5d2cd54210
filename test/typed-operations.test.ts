// Typed operations: documents written with the generated `graphql()` function, executed against
// the real server. Their result types come from schema.graphql, so renaming a field a client
// uses breaks `npm run typecheck` here (and in examples/backend-proxy).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from '../generated/graphql/gql.ts';
import { startTestServer, type TestAccount, type TestServer } from './support/server.ts';
import { executeTyped } from './support/typed-graphql.ts';

const BalanceQuery = graphql(`
  query Balance {
    balance {
      amountCents
      currency
    }
  }
`);

const CreateKeyAndListMutation = graphql(`
  mutation CreateNamedKey($name: String) {
    createApiKey(input: { name: $name }) {
      secret
      apiKey {
        id
        name
        preview
        status
      }
    }
  }
`);

const ApiKeysQuery = graphql(`
  query ApiKeys {
    apiKeys {
      id
      name
      last4
      status
    }
  }
`);

let app: TestServer;
let account: TestAccount;

beforeAll(async () => {
  app = await startTestServer();
  account = app.createAccount({ balanceCents: 777, currency: 'GBP' });
});
afterAll(() => app.close());

describe('typed documents from GraphQL Code Generator', () => {
  it('a query answers data of the generated type', async () => {
    const result = await executeTyped(app.baseUrl, account.key, BalanceQuery);
    expect(result.status).toBe(200);
    const amount: number | undefined = result.data?.balance.amountCents;
    expect(amount).toBe(777);
    expect(result.data?.balance.currency).toBe('GBP');
  });

  it('a mutation takes typed variables, and its enum is a string union', async () => {
    const created = await executeTyped(app.baseUrl, account.key, CreateKeyAndListMutation, { name: 'typed client' });
    expect(created.status).toBe(200);
    const status: 'ACTIVE' | 'ROTATING' | 'EXPIRED' | 'REVOKED' | undefined = created.data?.createApiKey.apiKey.status;
    expect(status).toBe('ACTIVE');
    expect(created.data?.createApiKey.secret).toMatch(/^dsrt_live_[0-9a-f]{40}$/);

    const listed = await executeTyped(app.baseUrl, account.key, ApiKeysQuery);
    expect(listed.data?.apiKeys.map((key) => key.name)).toContain('typed client');
  });

  it('errors keep the catalogue code', async () => {
    const result = await executeTyped(app.baseUrl, null, BalanceQuery);
    expect(result.status).toBe(401);
    expect(result.data).toBeUndefined();
    expect(result.errors?.[0]?.extensions?.code).toBe('missing_authorization');
  });
});
