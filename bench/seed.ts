// Seeding a bench database fast: the bench account goes through the real services (so its key is
// made exactly as the server makes keys), then the filler accounts and keys are raw prepared
// inserts in one transaction (~2 s per 100k keys). Plaintexts exist only in this process's memory.

import { randomBytes } from 'node:crypto';
import { systemClock } from '../src/clock.ts';
import { migrateStore, openStore } from '../src/db/database.ts';
import { generateApiKey, hashApiKey, last4 } from '../src/keys/api-key.ts';
import { createServices } from '../src/services.ts';

export interface SeededDatabase {
  path: string;
  keyCount: number;
  /** The bench account: a READY brand and a balance. */
  accountId: string;
  /** A valid key of the bench account. */
  key: string;
  /** Valid keys spread over the filler accounts, for lookups that do not all hit one row. */
  sampleKeys: string[];
}

const KEYS_PER_FILLER_ACCOUNT = 100;

export function seedDatabase(path: string, keyCount: number, sampleSize = 1000): SeededDatabase {
  const store = openStore(`file:${path}`);
  try {
    migrateStore(store);
    // No fsync per commit while seeding: the file is thrown away after the bench.
    store.sqlite.pragma('synchronous = OFF');
    const services = createServices({ store, clock: systemClock, maxLiveKeysPerAccount: 10_000 });
    const bench = services.accounts.createAccount({
      name: 'Bench account',
      brandName: 'Bench Brand',
      brandDomain: 'bench.example',
      balanceCents: 4200,
      currency: 'USD',
    });

    const insertAccount = store.sqlite.prepare(
      "INSERT INTO accounts (id, name, status, created_at) VALUES (?, 'Filler', 'active', ?)",
    );
    const insertBrand = store.sqlite.prepare(
      `INSERT INTO brands (id, account_id, name, domain, onboarding_status, onboarding_started_at, ready_at, created_at)
       VALUES (?, ?, 'Filler', 'filler.example', 'READY', ?, ?, ?)`,
    );
    const insertBalance = store.sqlite.prepare(
      "INSERT INTO balances (account_id, amount_cents, currency, updated_at) VALUES (?, 100, 'USD', ?)",
    );
    const insertKey = store.sqlite.prepare(
      "INSERT INTO api_keys (id, account_id, name, key_hash, last4, created_at) VALUES (?, ?, 'Filler key', ?, ?, ?)",
    );

    const sampleKeys: string[] = [];
    const sampleEvery = Math.max(1, Math.floor(keyCount / sampleSize));
    const fillerCount = keyCount - 1; // the bench account already holds one key
    const now = Date.now();
    store.sqlite.transaction(() => {
      let accountId = '';
      // Random bytes in bulk: one call per chunk instead of three per row.
      const CHUNK = 10_000;
      for (let start = 0; start < fillerCount; start += CHUNK) {
        const n = Math.min(CHUNK, fillerCount - start);
        const ids = randomBytes(n * 12).toString('hex');
        const hashes = randomBytes(n * 32).toString('hex');
        for (let j = 0; j < n; j += 1) {
          const i = start + j;
          if (i % KEYS_PER_FILLER_ACCOUNT === 0) {
            accountId = `acct_${randomBytes(12).toString('hex')}`;
            insertAccount.run(accountId, now);
            insertBrand.run(`brand_${randomBytes(12).toString('hex')}`, accountId, now, now, now);
            insertBalance.run(accountId, now);
          }
          const id = `key_${ids.slice(j * 24, j * 24 + 24)}`;
          if (i % sampleEvery === 0 && sampleKeys.length < sampleSize) {
            const key = generateApiKey();
            sampleKeys.push(key);
            insertKey.run(id, accountId, hashApiKey(key), last4(key), now);
          } else {
            const hash = hashes.slice(j * 64, j * 64 + 64);
            insertKey.run(id, accountId, hash, hash.slice(-4), now);
          }
        }
      }
    })();
    store.sqlite.pragma('synchronous = FULL');
    return { path, keyCount, accountId: bench.accountId, key: bench.firstKey.secret, sampleKeys };
  } finally {
    store.close();
  }
}
