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

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** An answer as data, so both doors can send it: a fetch Response (Yoga) or node:http (front-door.ts). */
export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export function jsonAnswer(body: unknown, status = 200, headers: Readonly<Record<string, string>> = {}): HttpAnswer {
  return { status, headers: { 'Content-Type': JSON_CONTENT_TYPE, ...headers }, body: JSON.stringify(body) };
}

export function toResponse(answer: HttpAnswer): Response {
  return new Response(answer.body, { status: answer.status, headers: answer.headers });
}

export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return toResponse(jsonAnswer(body, status, headers));
}

/** `{"error": {"code", "message"}}` with the catalogue's status and headers. */
export function restErrorAnswer(error: DessertError): HttpAnswer {
  return jsonAnswer({ error: { code: error.code, message: error.message } }, error.status, error.headers);
}

export function restErrorResponse(error: DessertError): Response {
  return toResponse(restErrorAnswer(error));
}

/** Whether a path is one of ours under /v1 (known routes answer 405 to other methods). */
export function isRestRoute(pathname: string): boolean {
  return Object.hasOwn(routes, pathname);
}

/** The answer to an authenticated request under /v1: 404 for an unknown path, 405 for a method other than GET/HEAD. */
export function restAnswer(
  method: string,
  pathname: string,
  principal: Principal,
  services: Services,
  onUnexpected: (error: unknown) => void,
): HttpAnswer {
  const handler = routes[pathname];
  if (handler === undefined) return restErrorAnswer(new DessertError('not_found'));
  if (method !== 'GET' && method !== 'HEAD') {
    return restErrorAnswer(new DessertError('method_not_allowed', { headers: { Allow: 'GET, HEAD' } }));
  }
  try {
    return jsonAnswer(handler(principal, services));
  } catch (error) {
    const publicError = toDessertError(error);
    if (publicError !== error) onUnexpected(error);
    return restErrorAnswer(publicError);
  }
}

export function handleRestRequest(
  request: Request,
  pathname: string,
  principal: Principal,
  services: Services,
  onUnexpected: (error: unknown) => void,
): Response {
  return toResponse(restAnswer(request.method, pathname, principal, services, onUnexpected));
}
