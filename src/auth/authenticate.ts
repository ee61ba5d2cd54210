// Authentication: an Authorization header in, a principal (account, brand, key) or a catalogue
// error out, checking in the documented order (SPEC §3):
//   missing_authorization → invalid_authorization_scheme → invalid_key_format
//   → invalid_api_key (unknown, revoked, expired: indistinguishable) → account_suspended.
// The brand rule (brand_onboarding_in_progress) depends on what is asked, so it is checked by
// the data that needs the brand (requireReadyBrand), not here.
//
// The hot path is: parse the header, SHA-256 the token, one prepared statement over the unique
// index on key_hash. A malformed token never reaches the database.

import { eq, sql } from 'drizzle-orm';
import type { Clock } from '../clock.ts';
import type { Store } from '../db/database.ts';
import { accounts, apiKeys, brands } from '../db/schema.ts';
import { DessertError, INVALID_KEY_BODY_MESSAGE } from '../errors.ts';
import { hashApiKey, keyFormatProblem } from '../keys/api-key.ts';
import type { KeyService } from '../keys/key-service.ts';
import { apiKeyStatus, isLive } from '../keys/key-status.ts';

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

export function createAuthenticator({ store, clock, keys }: { store: Store; clock: Clock; keys: KeyService }) {
  const findCredentialByKeyHash = store.db
    .select({
      keyId: apiKeys.id,
      accountId: apiKeys.accountId,
      expiresAt: apiKeys.expiresAt,
      revokedAt: apiKeys.revokedAt,
      successorId: apiKeys.successorId,
      accountStatus: accounts.status,
      brandId: brands.id,
      brandStatus: brands.onboardingStatus,
    })
    .from(apiKeys)
    .innerJoin(accounts, eq(accounts.id, apiKeys.accountId))
    .leftJoin(brands, eq(brands.accountId, apiKeys.accountId))
    .where(eq(apiKeys.keyHash, sql.placeholder('keyHash')))
    .prepare();

  return {
    /** Throws the catalogue error for the first rule the header breaks. */
    authenticate(header: string | null | undefined): Principal {
      const token = parseBearerToken(header);
      const credential = findCredentialByKeyHash.get({ keyHash: hashApiKey(token) });
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
  };
}
