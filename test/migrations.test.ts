// Migrations across versions: a database made by the first released migration set, holding data
// written in that version's own shape, is brought up to date by today's migrations without losing
// anything, and today's server serves that data. The first set is taken from drizzle/meta's
// journal (its first entry and its SQL file), so the test means more with every migration that
// lands after it; while there is only one, it checks that re-running the journal over a
// first-version database is a no-op that keeps the data.

import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_FOLDER, migrateStore, openStore } from '../src/db/database.ts';
import { generateApiKey, hashApiKey, last4 } from '../src/keys/api-key.ts';
import { startTestServer, tempDir } from './support/server.ts';

interface Journal {
  entries: { idx: number; tag: string }[];
}

const dir = tempDir('dessert-migrations-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const journal = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as Journal;

/** A migrations folder holding only the first entry of today's journal: version one as shipped. */
function firstMigrationSet(): string {
  const first = journal.entries[0];
  if (first === undefined) throw new Error('the journal lists no migration');
  const folder = join(dir, 'first-migration-set');
  mkdirSync(join(folder, 'meta'), { recursive: true });
  writeFileSync(join(folder, 'meta', '_journal.json'), JSON.stringify({ ...journal, entries: [first] }));
  copyFileSync(join(MIGRATIONS_FOLDER, `${first.tag}.sql`), join(folder, `${first.tag}.sql`));
  return folder;
}

describe('migrations from the first version to today', () => {
  it('keeps accounts, brands, balances, keys and the audit trail, and today’s server serves them', async () => {
    const dataDir = join(dir, 'data');
    mkdirSync(dataDir);
    const store = openStore(`file:${join(dataDir, 'dessert.db')}`);
    migrateStore(store, firstMigrationSet());
    expect(store.sqlite.prepare('SELECT count(*) FROM __drizzle_migrations').pluck().get()).toBe(1);

    // Data in the first version's shape, written with its own SQL (today's code may not fit it).
    const key = generateApiKey();
    const revokedKey = generateApiKey();
    const t = Date.UTC(2026, 0, 1);
    store.sqlite.exec(`
      INSERT INTO accounts (id, name, status, created_at) VALUES ('acc_v1', 'Version one', 'active', ${t});
      INSERT INTO brands (id, account_id, name, domain, onboarding_status, onboarding_started_at, ready_at, created_at)
        VALUES ('brd_v1', 'acc_v1', 'Old Brand', 'old-brand.example', 'READY', ${t}, ${t + 1000}, ${t});
      INSERT INTO balances (account_id, amount_cents, currency, updated_at) VALUES ('acc_v1', 98765, 'EUR', ${t});
    `);
    const insertKey = store.sqlite.prepare(
      'INSERT INTO api_keys (id, account_id, name, key_hash, last4, created_at, revoked_at, last_used_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    insertKey.run('key_v1', 'acc_v1', 'first key', hashApiKey(key), last4(key), t, null, t + 5000);
    insertKey.run('key_v1_revoked', 'acc_v1', 'old key', hashApiKey(revokedKey), last4(revokedKey), t, t + 2000, null);
    store.sqlite
      .prepare(
        "INSERT INTO audit_events (account_id, action, api_key_id, actor_type, created_at) VALUES ('acc_v1', 'api_key.created', 'key_v1', 'operator', ?)",
      )
      .run(t);
    store.close();

    // Today's migrations, as the server runs them at start-up.
    const app = await startTestServer({ dir: dataDir });
    try {
      const applied = app.server.services.store.sqlite
        .prepare('SELECT count(*) FROM __drizzle_migrations')
        .pluck()
        .get();
      expect(applied).toBe(journal.entries.length);

      const balance = await app.rest('/v1/balance', key);
      expect(balance.status).toBe(200);
      expect(balance.body).toMatchObject({ amountCents: 98765, currency: 'EUR' });
      const brands = await app.rest('/v1/brands', key);
      expect(brands.body).toMatchObject([{ id: 'brd_v1', name: 'Old Brand', onboardingStatus: 'READY' }]);
      expect((await app.rest('/v1/balance', revokedKey)).status).toBe(401);

      const keys = await app.graphql('{ apiKeys { id name last4 status lastUsedAt revokedAt } }', { key });
      expect(keys.status).toBe(200);
      expect(keys.body.data?.apiKeys).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ id: 'key_v1', name: 'first key', last4: last4(key), status: 'ACTIVE' }),
          expect.objectContaining({
            id: 'key_v1_revoked',
            status: 'REVOKED',
            revokedAt: new Date(t + 2000).toISOString(),
          }),
        ]),
      );
      expect(app.server.services.keys.listAuditEvents('acc_v1', { first: 10 }).events).toEqual([
        expect.objectContaining({ action: 'api_key.created', apiKeyId: 'key_v1', actorType: 'operator' }),
      ]);
      expect(app.server.services.store.sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(app.server.services.store.sqlite.pragma('foreign_key_check')).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
