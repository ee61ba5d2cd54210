// The domain services wired over one store and one clock: what main.ts, the CLI and the tests
// share, so every door onto the domain sees the same rules.

import { type AccountService, createAccountService } from './accounts/account-service.ts';
import { type Authenticator, createAuthenticator } from './auth/authenticate.ts';
import type { Clock } from './clock.ts';
import type { Store } from './db/database.ts';
import { createKeyService, type KeyService } from './keys/key-service.ts';

export interface Services {
  store: Store;
  clock: Clock;
  keys: KeyService;
  accounts: AccountService;
  auth: Authenticator;
}

export function createServices({
  store,
  clock,
  maxLiveKeysPerAccount,
  authCacheMaxEntries,
}: {
  store: Store;
  clock: Clock;
  maxLiveKeysPerAccount?: number;
  /** Size of the authentication cache (0 turns it off); DEFAULT_AUTH_CACHE_MAX_ENTRIES when absent. */
  authCacheMaxEntries?: number;
}): Services {
  const keys = createKeyService({ store, clock, ...(maxLiveKeysPerAccount ? { maxLiveKeysPerAccount } : {}) });
  const accounts = createAccountService({ store, clock, keys });
  const auth = createAuthenticator({
    store,
    clock,
    keys,
    accounts,
    ...(authCacheMaxEntries === undefined ? {} : { cacheMaxEntries: authCacheMaxEntries }),
  });
  return { store, clock, keys, accounts, auth };
}
