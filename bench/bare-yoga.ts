// The contender a user would pick instead of this server: graphql-yoga + Pothos in its default
// configuration, the same `balance` field reading the same SQLite row, and no authentication at
// all. Run as its own process by bench/run.ts:
//   BENCH_DATABASE=path BENCH_ACCOUNT_ID=acct_… node --import tsx bench/bare-yoga.ts
// It prints `listening <url>` on stdout once it accepts connections.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import SchemaBuilder from '@pothos/core';
import Database from 'better-sqlite3';
import { createYoga } from 'graphql-yoga';

const databasePath = process.env.BENCH_DATABASE;
const accountId = process.env.BENCH_ACCOUNT_ID;
if (!databasePath || !accountId) throw new Error('BENCH_DATABASE and BENCH_ACCOUNT_ID are required');

const sqlite = new Database(databasePath, { readonly: true });
// The plainest fast read: one raw prepared statement (faster than the Drizzle one we use).
const findBalance = sqlite.prepare(
  'SELECT amount_cents AS amountCents, currency, updated_at AS updatedAt FROM balances WHERE account_id = ?',
);

interface Balance {
  amountCents: number;
  currency: string;
  updatedAt: number;
}

const builder = new SchemaBuilder<{ Scalars: { DateTime: { Input: Date; Output: Date } } }>({});
builder.scalarType('DateTime', {
  serialize: (value) => value.toISOString(),
  parseValue: (value) => new Date(String(value)),
});
const BalanceRef = builder.objectRef<Balance>('Balance').implement({
  fields: (t) => ({
    amountCents: t.exposeInt('amountCents'),
    currency: t.exposeString('currency'),
    updatedAt: t.field({ type: 'DateTime', resolve: (balance) => new Date(balance.updatedAt) }),
  }),
});
builder.queryType({
  fields: (t) => ({
    balance: t.field({ type: BalanceRef, resolve: () => findBalance.get(accountId) as Balance }),
  }),
});

const yoga = createYoga({ schema: builder.toSchema() });
const server = createServer(yoga);
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`listening http://127.0.0.1:${port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
