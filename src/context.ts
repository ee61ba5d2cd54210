// The GraphQL request context: who is calling (the authentication result, established before the
// request was parsed) and the services the resolvers call.

import type { Principal } from './auth/authenticate.ts';
import type { Services } from './services.ts';

export interface GraphQLContext {
  principal: Principal;
  /** The client's address as the server saw it (for the audit trail); null when unknown. */
  clientAddress: string | null;
  services: Services;
}
