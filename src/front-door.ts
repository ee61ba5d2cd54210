// The node:http front door: the requests that make up nearly all of the traffic are admitted or
// answered here, before Yoga turns the request into a fetch Request (URL, Headers,
// AbortController) and its answer back into node's. The profile put that adapter at most of the
// cost of a request that does little else: a REST read, and any refusal.
//
// - /v1/balance, /v1/brands: admitted and answered here.
// - /graphql GET or POST (not the GraphiQL page): admitted here; a refusal is answered here, an
//   admitted request goes on to Yoga with its state, so Yoga's onRequest does not admit it twice.
// - anything else (GraphiQL, other methods, other paths, the secret-scanning endpoint) goes to
//   Yoga untouched, whose onRequest hook applies the same rules.
// Both doors go through the same RequestGate (yoga.ts: id, address, throttle, key, access log)
// and build the same answers (rest/routes.ts, graphqlErrorAnswer), so a rule holds for both.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { DessertError } from './errors.ts';
import { type HttpAnswer, isRestRoute, restAnswer, restErrorAnswer } from './rest/routes.ts';
import type { Services } from './services.ts';
import {
  type DessertYoga,
  GRAPHQL_PATH,
  graphqlErrorAnswer,
  type RequestGate,
  type RequestState,
  type ServerContext,
} from './yoga.ts';

export type NodeRequestListener = (request: IncomingMessage, response: ServerResponse) => void;

/** A request target of the form "/path?query" that makes a URL with the Host it came with. */
function isOriginFormTarget(target: string, host: string | undefined): boolean {
  return target.startsWith('/') && URL.canParse(`http://${host ?? 'localhost'}${target}`);
}

function header(request: IncomingMessage, name: string): string | null {
  const value = request.headers[name];
  return typeof value === 'string' ? value : null;
}

export function createFrontDoor({
  yoga,
  gate,
  services,
}: {
  yoga: DessertYoga;
  gate: RequestGate;
  services: Services;
}): NodeRequestListener {
  const toYoga = yoga as unknown as (
    request: IncomingMessage,
    response: ServerResponse,
    context?: ServerContext,
  ) => void;

  function send(
    request: IncomingMessage,
    response: ServerResponse,
    state: RequestState,
    path: string,
    answer: HttpAnswer,
  ): void {
    response.writeHead(answer.status, {
      ...answer.headers,
      'Content-Length': Buffer.byteLength(answer.body),
      'X-Request-Id': state.id,
    });
    response.end(answer.body); // node:http leaves the body out of an answer to HEAD
    gate.finish(state, request.method ?? '', path, answer.status);
  }

  return (request, response) => {
    const target = request.url ?? '';
    if (!isOriginFormTarget(target, request.headers.host)) {
      // Yoga's adapter builds `http://${host}${target}` before any plugin runs and answers 500
      // with a stack trace when that is not a URL (an absolute-form or `*` target, a bad Host).
      const state = gate.begin({
        requestId: null,
        forwardedFor: null,
        socketAddress: request.socket.remoteAddress ?? null,
      });
      send(request, response, state, '(malformed)', restErrorAnswer(new DessertError('bad_request')));
      return;
    }
    const query = target.indexOf('?');
    const path = query === -1 ? target : target.slice(0, query);
    const method = request.method ?? '';
    const graphql =
      path === GRAPHQL_PATH &&
      (method === 'POST' || (method === 'GET' && !request.headers.accept?.includes('text/html')));
    if (!graphql && !isRestRoute(path)) {
      toYoga(request, response);
      return;
    }

    const state = gate.begin({
      requestId: header(request, 'x-request-id'),
      forwardedFor: header(request, 'x-forwarded-for'),
      socketAddress: request.socket.remoteAddress ?? null,
    });
    try {
      state.principal = gate.admit(header(request, 'authorization'), state);
    } catch (error) {
      const refusal = gate.publicError(error);
      send(
        request,
        response,
        state,
        path,
        graphql ? graphqlErrorAnswer(refusal, request.headers.accept) : restErrorAnswer(refusal),
      );
      return;
    }
    if (graphql) {
      toYoga(request, response, { admitted: state });
      return;
    }
    send(request, response, state, path, restAnswer(method, path, state.principal, services, gate.reportUnexpected));
  };
}
