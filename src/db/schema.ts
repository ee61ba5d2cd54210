// The SQLite tables (Drizzle). Times are integer milliseconds since the epoch (UTC).
// Migrations in drizzle/ are generated from this file by `npm run db:generate` and never edited
// after they have landed.

import { type AnySQLiteColumn, index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

const timestamp = (name: string) => integer(name, { mode: 'timestamp_ms' });

export const accounts = sqliteTable('accounts', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  status: text('status', { enum: ['active', 'suspended'] })
    .notNull()
    .default('active'),
  createdAt: timestamp('created_at').notNull(),
  suspendedAt: timestamp('suspended_at'),
});

export const brands = sqliteTable('brands', {
  id: text('id').primaryKey(),
  // One brand per account today; the unique index makes that an invariant of the store.
  accountId: text('account_id')
    .notNull()
    .unique()
    .references(() => accounts.id),
  name: text('name').notNull(),
  domain: text('domain').notNull(),
  onboardingStatus: text('onboarding_status', { enum: ['ONBOARDING', 'READY'] }).notNull(),
  onboardingStartedAt: timestamp('onboarding_started_at'),
  readyAt: timestamp('ready_at'),
  createdAt: timestamp('created_at').notNull(),
});

export const balances = sqliteTable('balances', {
  accountId: text('account_id')
    .primaryKey()
    .references(() => accounts.id),
  amountCents: integer('amount_cents').notNull(),
  currency: text('currency').notNull(),
  updatedAt: timestamp('updated_at').notNull(),
});

export const apiKeys = sqliteTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id),
    name: text('name').notNull(),
    /** SHA-256 of the whole plaintext key, lowercase hex. The plaintext is never stored. */
    keyHash: text('key_hash').notNull().unique(),
    last4: text('last4').notNull(),
    createdAt: timestamp('created_at').notNull(),
    expiresAt: timestamp('expires_at'),
    revokedAt: timestamp('revoked_at'),
    lastUsedAt: timestamp('last_used_at'),
    /** Set when the key was rotated: the key that replaced it. */
    rotatedAt: timestamp('rotated_at'),
    successorId: text('successor_id').references((): AnySQLiteColumn => apiKeys.id),
  },
  (table) => [index('api_keys_account_created_idx').on(table.accountId, table.createdAt)],
);

export const auditEvents = sqliteTable(
  'audit_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id),
    action: text('action', {
      enum: ['api_key.created', 'api_key.rotated', 'api_key.revoked', 'api_key.leak_revoked'],
    }).notNull(),
    apiKeyId: text('api_key_id').notNull(),
    /** Who did it: `api_key` (actorKeyId says which), `operator` (the CLI) or `secret_scanning`. */
    actorType: text('actor_type', { enum: ['api_key', 'operator', 'secret_scanning'] }).notNull(),
    actorKeyId: text('actor_key_id'),
    clientAddress: text('client_address'),
    createdAt: timestamp('created_at').notNull(),
    details: text('details', { mode: 'json' }).$type<Record<string, unknown>>(),
  },
  (table) => [index('audit_events_account_idx').on(table.accountId, table.id)],
);
