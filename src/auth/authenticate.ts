// Authentication: an Authorization header in, a principal (account, brand, key) or a catalogue
// error out, checking in the documented order (SPEC §3):
//   missing_authorization → invalid_authorization_scheme → invalid_key_format
//   → invalid_api_key (unknown, revoked, expired: indistinguishable) → account_suspended.
// The brand rule (brand_onboarding_in_progress) depends on what is asked, so it is checked by
// the data that needs the brand (requireReadyBrand), not here.
//
// The hot path is: parse the header, SHA-256 the token, the authentication cache
// (authentication-cache.ts: what it may cache and for how long), else one prepared statement over
// the unique index on key_hash. A malformed token never reaches the cache or the database.

import type { AccountService } from '../accounts/account-service.ts';
import type { Clock } from '../clock.ts';
import type { Store } from '../db/database.ts';
import { DessertError, INVALID_KEY_BODY_MESSAGE } from '../errors.ts';
import { hashApiKey, keyFormatProblem } from '../keys/api-key.ts';
import type { KeyService } from '../keys/key-service.ts';
import { apiKeyStatus, isLive } from '../keys/key-status.ts';
import { AuthenticationCache, type CachedCredential } from './authentication-cache.ts';

export interface Principal {
  keyId: string;
  accountId: string;
  brandId: string | null;
  brandReady: boolean;
}

/** RFC 6750 §2.1 / RFC 7235: `Bearer` (any case), one or more spaces, the token. */
export function parseBearerToken(header: string | null | undefined): string {
  const value = header?.trim() ?? '';
  if (value.length === 0) throw new DessertError('missing_authorization');
  const space = value.search(/[ \t]/);
  const scheme = space === -1 ? value : value.slice(0, space);
  if (scheme.toLowerCase() !== 'bearer') throw new DessertError('invalid_authorization_scheme');
  const token = space === -1 ? '' : value.slice(space).trim();
  const problem = keyFormatProblem(token);
  if (problem === 'wrong_prefix') throw new DessertError('invalid_key_format');
  if (problem === 'wrong_body') throw new DessertError('invalid_key_format', { message: INVALID_KEY_BODY_MESSAGE });
  return token;
}

/** Data that belongs to the brand (the balance) needs its onboarding to be finished. */
export function requireReadyBrand(principal: Principal): void {
  if (!principal.brandReady) throw new DessertError('brand_onboarding_in_progress');
}

export type Authenticator = ReturnType<typeof createAuthenticator>;

/** Cached authentication results by default; 0 turns the cache off. */
export const DEFAULT_AUTH_CACHE_MAX_ENTRIES = 10_000;

/** The lookup's row: the cached credential with its times still in milliseconds. */
type CredentialRow = Omit<CachedCredential, 'expiresAt' | 'revokedAt'> & {
  expiresAt: number | null;
  revokedAt: number | null;
};

export function createAuthenticator({
  store,
  clock,
  keys,
  accounts,
  cacheMaxEntries = DEFAULT_AUTH_CACHE_MAX_ENTRIES,
}: {
  store: Store;
  clock: Clock;
  keys: KeyService;
  accounts: AccountService;
  cacheMaxEntries?: number;
}) {
  // The hot query, prepared once on the raw connection: a Drizzle query maps its rows through
  // generic code that showed up in the profile; this one row is mapped by hand below.
  const findCredentialByKeyHash = store.sqlite.prepare<[string], CredentialRow>(
    `SELECT k.id AS keyId, k.account_id AS accountId, k.expires_at AS expiresAt, k.revoked_at AS revokedAt,
            k.successor_id AS successorId, a.status AS accountStatus, b.id AS brandId, b.onboarding_status AS brandStatus
       FROM api_keys k
       JOIN accounts a ON a.id = k.account_id
       LEFT JOIN brands b ON b.account_id = k.account_id
      WHERE k.key_hash = ?`,
  );
  const dataVersion = store.sqlite.prepare<[], number>('PRAGMA data_version').pluck();

  const cache =
    cacheMaxEntries > 0
      ? new AuthenticationCache({ maxEntries: cacheMaxEntries, readDataVersion: () => dataVersion.get() as number })
      : null;
  if (cache !== null) {
    keys.onChange(() => cache.clear());
    accounts.onChange(() => cache.clear());
  }

  function lookUp(keyHash: string): CachedCredential | undefined {
    const cached = cache?.get(keyHash);
    if (cached !== undefined) return cached;
    const row = findCredentialByKeyHash.get(keyHash);
    // An unknown key is never cached: a key created a moment ago (here or elsewhere) must work.
    if (row === undefined) return undefined;
    const credential: CachedCredential = {
      ...row,
      expiresAt: row.expiresAt === null ? null : new Date(row.expiresAt),
      revokedAt: row.revokedAt === null ? null : new Date(row.revokedAt),
    };
    cache?.set(keyHash, credential);
    return credential;
  }

  return {
    /** Throws the catalogue error for the first rule the header breaks. */
    authenticate(header: string | null | undefined): Principal {
      const token = parseBearerToken(header);
      const credential = lookUp(hashApiKey(token));
      // The status is derived from the clock on every request, cached or not: expiry is exact.
      if (credential === undefined || !isLive(apiKeyStatus(credential, clock.now()))) {
        throw new DessertError('invalid_api_key');
      }
      if (credential.accountStatus === 'suspended') throw new DessertError('account_suspended');
      keys.recordUse(credential.keyId);
      return {
        keyId: credential.keyId,
        accountId: credential.accountId,
        brandId: credential.brandId,
        brandReady: credential.brandStatus === 'READY',
      };
    },

    /** How many authentication results are cached (for tests and diagnostics). */
    cachedEntries(): number {
      return cache?.size ?? 0;
    },
  };
}
