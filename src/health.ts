// Liveness and readiness for orchestrators and load balancers, answered before authentication
// (they carry no key) and outside /graphql and /v1.
//   GET /health  the process serves HTTP: 200, touches nothing else (a stuck database must not
//                get a live process restarted).
//   GET /ready   the database answers a trivial query: 200, or 503 service_unavailable (the
//                catalogue's error and Retry-After) so traffic goes elsewhere until it does.

import type { Store } from './db/database.ts';
import { DessertError } from './errors.ts';
import { jsonResponse, restErrorResponse } from './rest/routes.ts';

export const HEALTH_PATH = '/health';
export const READY_PATH = '/ready';

const NO_STORE = { 'Cache-Control': 'no-store' };

/** Whether the database answers: one read of the schema page, through the server's own connection. */
export function databaseAnswers(store: Store): boolean {
  try {
    store.sqlite.prepare('SELECT 1 FROM sqlite_master LIMIT 1').pluck().get();
    return true;
  } catch {
    // Closed, locked past the busy timeout, unreadable: all mean "not ready", none is the client's.
    return false;
  }
}

export function healthResponse(request: Request, pathname: string, store: Store): Response {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return restErrorResponse(new DessertError('method_not_allowed', { headers: { Allow: 'GET, HEAD' } }));
  }
  if (pathname === HEALTH_PATH) return jsonResponse({ status: 'ok' }, 200, NO_STORE);
  if (databaseAnswers(store)) return jsonResponse({ status: 'ready' }, 200, NO_STORE);
  const error = new DessertError('service_unavailable');
  return jsonResponse({ error: { code: error.code, message: error.message } }, error.status, {
    ...error.headers,
    ...NO_STORE,
  });
}
