// Accounts, their brand and their balance: what an operator creates and changes, and the data an
// account's clients read. Knows nothing of keys beyond asking the key service for a first one.

import { eq, sql } from 'drizzle-orm';
import type { Clock } from '../clock.ts';
import type { Store } from '../db/database.ts';
import { accounts, apiKeys, balances, brands } from '../db/schema.ts';
import { DessertError } from '../errors.ts';
import { newId } from '../ids.ts';
import type { CreatedKey, KeyService } from '../keys/key-service.ts';

export type BrandOnboardingStatus = 'ONBOARDING' | 'READY';

export interface BrandView {
  id: string;
  name: string;
  domain: string;
  onboardingStatus: BrandOnboardingStatus;
  onboardingStartedAt: Date | null;
  readyAt: Date | null;
}

export interface BalanceView {
  amountCents: number;
  currency: string;
  updatedAt: Date;
}

export interface CreateAccountInput {
  name: string;
  brandName: string;
  brandDomain: string;
  onboarding?: boolean;
  balanceCents?: number;
  currency?: string;
}

export interface CreatedAccount {
  accountId: string;
  brandId: string;
  firstKey: CreatedKey;
}

const CURRENCY_PATTERN = /^[A-Z]{3}$/;
// A domain name: labels of letters, digits and hyphens, at least one dot, no scheme or path.
const DOMAIN_PATTERN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

export type AccountService = ReturnType<typeof createAccountService>;

export function createAccountService({ store, clock, keys }: { store: Store; clock: Clock; keys: KeyService }) {
  const { db } = store;
  const changeListeners = new Set<() => void>();

  /** Tells listeners (the authentication cache) that an account's status or brand changed. */
  function changed(): void {
    for (const listener of changeListeners) listener();
  }

  const findBalance = db
    .select({ amountCents: balances.amountCents, currency: balances.currency, updatedAt: balances.updatedAt })
    .from(balances)
    .where(eq(balances.accountId, sql.placeholder('accountId')))
    .prepare();

  const findBrands = db
    .select({
      id: brands.id,
      name: brands.name,
      domain: brands.domain,
      onboardingStatus: brands.onboardingStatus,
      onboardingStartedAt: brands.onboardingStartedAt,
      readyAt: brands.readyAt,
    })
    .from(brands)
    .where(eq(brands.accountId, sql.placeholder('accountId')))
    .orderBy(brands.createdAt)
    .prepare();

  function requireNonEmpty(field: string, value: string): string {
    const trimmed = value.trim();
    if (trimmed.length === 0 || trimmed.length > 200) {
      throw new DessertError('invalid_input', { message: `${field} must be 1 to 200 characters.` });
    }
    return trimmed;
  }

  function requireCents(value: number): number {
    if (!Number.isSafeInteger(value)) {
      throw new DessertError('invalid_input', { message: 'The balance must be a whole number of cents.' });
    }
    return value;
  }

  function setAccountStatus(accountId: string, status: 'active' | 'suspended'): void {
    const result = db
      .update(accounts)
      .set({ status, suspendedAt: status === 'suspended' ? new Date(clock.now()) : null })
      .where(eq(accounts.id, accountId))
      .run();
    if (result.changes === 0) throw new DessertError('invalid_input', { message: `No account ${accountId}.` });
    changed();
  }

  return {
    /** Called after every change this process makes to an account's status or its brand's onboarding. */
    onChange(listener: () => void): () => void {
      changeListeners.add(listener);
      return () => changeListeners.delete(listener);
    },

    /** For the operator's commands: an unknown account id is the operator's input error. */
    requireAccount(accountId: string): void {
      const found = db.select({ id: accounts.id }).from(accounts).where(eq(accounts.id, accountId)).get();
      if (found === undefined) throw new DessertError('invalid_input', { message: `No account ${accountId}.` });
    },

    createAccount(input: CreateAccountInput): CreatedAccount {
      const name = requireNonEmpty('name', input.name);
      const brandName = requireNonEmpty('brand name', input.brandName);
      const brandDomain = input.brandDomain.trim().toLowerCase();
      if (!DOMAIN_PATTERN.test(brandDomain)) {
        throw new DessertError('invalid_input', { message: `"${input.brandDomain}" is not a domain name.` });
      }
      const currency = input.currency ?? 'USD';
      if (!CURRENCY_PATTERN.test(currency)) {
        throw new DessertError('invalid_input', { message: 'currency must be three capital letters (ISO 4217).' });
      }
      const balanceCents = requireCents(input.balanceCents ?? 0);
      const accountId = newId('acct');
      const brandId = newId('brand');
      const firstKey = db.transaction(
        (tx) => {
          const now = new Date(clock.now());
          tx.insert(accounts).values({ id: accountId, name, status: 'active', createdAt: now }).run();
          tx.insert(brands)
            .values({
              id: brandId,
              accountId,
              name: brandName,
              domain: brandDomain,
              onboardingStatus: input.onboarding ? 'ONBOARDING' : 'READY',
              onboardingStartedAt: now,
              readyAt: input.onboarding ? null : now,
              createdAt: now,
            })
            .run();
          tx.insert(balances).values({ accountId, amountCents: balanceCents, currency, updatedAt: now }).run();
          // Nested: drizzle turns this into a savepoint, so the whole account is one commit.
          return keys.createApiKey(accountId, { name: 'Default key' }, { type: 'operator' });
        },
        { behavior: 'immediate' },
      );
      return { accountId, brandId, firstKey };
    },

    suspendAccount(accountId: string): void {
      setAccountStatus(accountId, 'suspended');
    },

    reinstateAccount(accountId: string): void {
      setAccountStatus(accountId, 'active');
    },

    markBrandReady(brandId: string): BrandView {
      const row = db
        .update(brands)
        .set({ onboardingStatus: 'READY', readyAt: new Date(clock.now()) })
        .where(eq(brands.id, brandId))
        .returning()
        .get();
      if (row === undefined) throw new DessertError('invalid_input', { message: `No brand ${brandId}.` });
      changed();
      return {
        id: row.id,
        name: row.name,
        domain: row.domain,
        onboardingStatus: row.onboardingStatus,
        onboardingStartedAt: row.onboardingStartedAt,
        readyAt: row.readyAt,
      };
    },

    setBalance(accountId: string, cents: number): BalanceView {
      const amountCents = requireCents(cents);
      const row = db
        .update(balances)
        .set({ amountCents, updatedAt: new Date(clock.now()) })
        .where(eq(balances.accountId, accountId))
        .returning()
        .get();
      if (row === undefined) throw new DessertError('invalid_input', { message: `No account ${accountId}.` });
      return { amountCents: row.amountCents, currency: row.currency, updatedAt: row.updatedAt };
    },

    getBalance(accountId: string): BalanceView {
      const row = findBalance.get({ accountId });
      // Every account is created with its balance; a missing row is a broken store.
      if (row === undefined) throw new Error(`account ${accountId} has no balance row`);
      return row;
    },

    listBrands(accountId: string): BrandView[] {
      return findBrands.all({ accountId });
    },

    /** True when the store holds no key at all: a new installation. */
    isEmpty(): boolean {
      return db.select({ id: apiKeys.id }).from(apiKeys).limit(1).all().length === 0;
    },
  };
}
