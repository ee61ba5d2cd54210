// The REST door: GET /v1/balance and GET /v1/brands, answering the same objects as GraphQL (the
// GraphQL field names) for the public docs' curl example. The caller is already authenticated;
// these handlers call the domain directly, without GraphQL parsing or execution.

import { type Principal, requireReadyBrand } from '../auth/authenticate.ts';
import { DessertError, toDessertError } from '../errors.ts';
import type { Services } from '../services.ts';

export const REST_PREFIX = '/v1/';

type RestHandler = (principal: Principal, services: Services) => unknown;

const routes: Record<string, RestHandler> = {
  '/v1/balance': (principal, services) => {
    requireReadyBrand(principal);
    return services.accounts.getBalance(principal.accountId);
  },
  '/v1/brands': (principal, services) => services.accounts.listBrands(principal.accountId),
};

const JSON_HEADERS = { 'Content-Type': 'application/json; charset=utf-8' };

export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...JSON_HEADERS, ...headers } });
}

/** `{"error": {"code", "message"}}` with the catalogue's status and headers. */
export function restErrorResponse(error: DessertError): Response {
  return jsonResponse({ error: { code: error.code, message: error.message } }, error.status, { ...error.headers });
}

/** Whether a path is one of ours under /v1 (known routes answer 405 to other methods). */
export function isRestRoute(pathname: string): boolean {
  return Object.hasOwn(routes, pathname);
}

export function handleRestRequest(
  request: Request,
  pathname: string,
  principal: Principal,
  services: Services,
  onUnexpected: (error: unknown) => void,
): Response {
  const handler = routes[pathname];
  if (handler === undefined) return restErrorResponse(new DessertError('not_found'));
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return restErrorResponse(new DessertError('method_not_allowed', { headers: { Allow: 'GET, HEAD' } }));
  }
  try {
    return jsonResponse(handler(principal, services));
  } catch (error) {
    const publicError = toDessertError(error);
    if (publicError !== error) onUnexpected(error);
    return restErrorResponse(publicError);
  }
}
