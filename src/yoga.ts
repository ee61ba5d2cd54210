// The HTTP application: GraphQL at /graphql (GraphiQL for a browser), REST under /v1. Builds the
// Yoga instance and the RequestGate from the services it is given, and does no I/O of its own.
//
// Authentication comes first: Yoga parses and validates a document before it calls the context
// factory, so the key is checked before Yoga sees the request: in the node:http front door
// (front-door.ts) for the hot routes, and in the onRequest hook below for everything that reaches
// Yoga unadmitted (other methods, GraphQL through yoga.fetch, unknown /v1 paths). Both use the
// same RequestGate. A request without a valid key gets its 401/403 whatever its body, and learns
// nothing about the schema; the context factory only carries the principal found there.
//
// The gate, in order: a client address that failed too often gets 429; the key is checked (a 401
// counts against the address). Then the body is read under its size cap, and REST answers
// directly, or GraphQL goes on through Yoga with its document limits.

import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { createYoga, type Plugin, shouldRenderGraphiQL, type YogaLogger, type YogaServerInstance } from 'graphql-yoga';
import type { Principal } from './auth/authenticate.ts';
import type { GraphQLContext } from './context.ts';
import { DessertError, toDessertError } from './errors.ts';
import {
  GRAPHIQL_ASSETS_PREFIX,
  GRAPHIQL_CONTENT_SECURITY_POLICY,
  graphiqlAssetResponse,
  renderGraphiQL,
} from './graphiql.ts';
import { HEALTH_PATH, healthResponse, READY_PATH } from './health.ts';
import { API_KEY_PREFIX } from './keys/api-key.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import {
  type HttpAnswer,
  handleRestRequest,
  jsonResponse,
  REST_PREFIX,
  restErrorResponse,
  toResponse,
} from './rest/routes.ts';
import { isIntended, maskError, useCatalogueValidationCode } from './schema/graphql-errors.ts';
import { schema } from './schema/index.ts';
import { createAuthThrottle } from './security/auth-throttle.ts';
import { useDocumentLimits, withBoundedBody } from './security/request-limits.ts';
import { handleSecretScanningReport, type PublicKeys, SECRET_SCANNING_PATH } from './security/secret-scanning.ts';
import type { Services } from './services.ts';

export const GRAPHQL_PATH = '/graphql';

/** What node:http hands Yoga with each request (absent when a test calls yoga.fetch). */
export interface ServerContext {
  req?: { socket?: { remoteAddress?: string | undefined } };
  /** Set by the front door (front-door.ts) for a request it has already admitted. */
  admitted?: RequestState;
}

export interface DessertYogaOptions {
  services: Services;
  logger: Logger;
  /** Failed authentications a minute from one address before 429. */
  authFailureLimit: number;
  /** Take the client address from X-Forwarded-For (the entry our own proxy appended). */
  trustProxy: boolean;
  /** GitHub's secret-scanning public keys; without them the endpoint does not exist. */
  secretScanningKeys?: PublicKeys | undefined;
  /** Counts authentication outcomes when metrics are on (METRICS_PORT). */
  metrics?: Metrics | undefined;
}

export type DessertYoga = YogaServerInstance<ServerContext, GraphQLContext>;

export interface RequestState {
  id: string;
  startedAt: number;
  clientAddress: string | null;
  principal?: Principal;
}

const REQUEST_ID = /^[\w.:-]{1,64}$/;

/**
 * Yoga's logger, on pino. Yoga reports every error it masks or returns at `error` level; an error
 * raised on purpose (a document error, a catalogue error) is the client's, so it goes to `debug`.
 */
function yogaLogger(logger: Logger): YogaLogger {
  const write =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (...args: unknown[]) => {
      for (const arg of args) {
        if (arg instanceof Error) {
          const clientError = arg instanceof GraphQLError && isIntended(arg);
          logger[clientError ? 'debug' : level]({ err: arg }, arg.message);
        } else {
          logger[level](typeof arg === 'string' ? arg : { detail: arg });
        }
      }
    };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

/** A GraphQL request that fails as a whole: the catalogue's status whatever the Accept header. */
export function graphqlErrorAnswer(error: DessertError, accept: string | null | undefined): HttpAnswer {
  const contentType = accept?.includes('application/graphql-response+json')
    ? 'application/graphql-response+json; charset=utf-8'
    : 'application/json; charset=utf-8';
  const body = { errors: [{ message: error.message, extensions: { code: error.code } }] };
  return {
    status: error.status,
    headers: { 'Content-Type': contentType, ...error.headers },
    body: JSON.stringify(body),
  };
}

function graphqlErrorResponse(error: DessertError, request: Request): Response {
  return toResponse(graphqlErrorAnswer(error, request.headers.get('accept')));
}

/**
 * What every door does with a request, whichever adapter it arrives through (Yoga's onRequest
 * here, the node:http front door in front-door.ts): give it an id and a client address, admit
 * it (throttle, then key), and write its access log line.
 */
export interface RequestGate {
  begin(request: { requestId: string | null; forwardedFor: string | null; socketAddress: string | null }): RequestState;
  /** 429 for a throttled address, else the principal; a 401 counts against the address. */
  admit(authorization: string | null, state: RequestState): Principal;
  /** Any thrown value as the catalogue error the client sees; the unexpected ones are logged. */
  publicError(error: unknown): DessertError;
  finish(state: RequestState, method: string, path: string, status: number): void;
  reportUnexpected(error: unknown): void;
}

export interface DessertApp {
  yoga: DessertYoga;
  gate: RequestGate;
}

export function createDessertApp({
  services,
  logger,
  authFailureLimit,
  trustProxy,
  secretScanningKeys,
  metrics,
}: DessertYogaOptions): DessertApp {
  const requests = new WeakMap<Request, RequestState>();
  const throttle = createAuthThrottle({ limit: authFailureLimit, clock: services.clock });

  function reportUnexpected(error: unknown): void {
    logger.error({ err: error }, 'unexpected error');
  }

  /** Any thrown value as the catalogue error the client sees; the unexpected ones are logged. */
  function publicError(error: unknown): DessertError {
    const result = toDessertError(error);
    if (result !== error) reportUnexpected(error);
    return result;
  }

  function begin({
    requestId,
    forwardedFor,
    socketAddress,
  }: {
    requestId: string | null;
    forwardedFor: string | null;
    socketAddress: string | null;
  }): RequestState {
    // Our proxy appends the address it saw: the right-most entry is the one it vouches for.
    const forwarded = trustProxy ? forwardedFor?.split(',').at(-1)?.trim() : undefined;
    return {
      // A client's own id is kept (for tracing across systems) unless it looks like a key.
      id:
        requestId !== null && REQUEST_ID.test(requestId) && !requestId.includes(API_KEY_PREFIX)
          ? requestId
          : randomUUID(),
      startedAt: performance.now(),
      clientAddress: forwarded || socketAddress,
    };
  }

  /** 429 for an address past its failure limit, whatever it sends. */
  function refuseIfThrottled(address: string): void {
    const retryAfter = throttle.retryAfterSeconds(address);
    if (retryAfter > 0) {
      metrics?.authentication('rate_limited');
      throw new DessertError('rate_limited', { headers: { 'Retry-After': String(retryAfter) } });
    }
  }

  function admit(authorization: string | null, state: RequestState): Principal {
    const address = state.clientAddress ?? 'unknown';
    refuseIfThrottled(address);
    try {
      const principal = services.auth.authenticate(authorization);
      metrics?.authentication('success');
      return principal;
    } catch (error) {
      const result = publicError(error);
      metrics?.authentication(result.code);
      if (result.status === 401) throw countFailure(address, result);
      throw result;
    }
  }

  function countFailure(address: string, error: DessertError): DessertError {
    throttle.recordFailure(address);
    return error;
  }

  async function secretScanningReport(request: Request, state: RequestState): Promise<Response> {
    const address = state.clientAddress ?? 'unknown';
    refuseIfThrottled(address);
    if (request.method !== 'POST') throw new DessertError('method_not_allowed', { headers: { Allow: 'POST' } });
    const bounded = await withBoundedBody(request);
    const body = new Uint8Array(await bounded.arrayBuffer());
    try {
      const labels = handleSecretScanningReport(
        { keys: secretScanningKeys as PublicKeys, keyService: services.keys },
        body,
        request.headers,
        state.clientAddress,
      );
      return jsonResponse(labels);
    } catch (error) {
      const result = publicError(error);
      throw result.code === 'invalid_signature' ? countFailure(address, result) : result;
    }
  }

  function finish(state: RequestState, method: string, path: string, status: number): void {
    logger.info(
      {
        requestId: state.id,
        method,
        path,
        status,
        durationMs: Math.round((performance.now() - state.startedAt) * 100) / 100,
        clientAddress: state.clientAddress,
        accountId: state.principal?.accountId,
        keyId: state.principal?.keyId,
      },
      'request',
    );
  }

  const authenticateFirst: Plugin<GraphQLContext, ServerContext> = {
    async onRequest({ request, url, serverContext, endResponse, setRequest }) {
      const state =
        serverContext.admitted ??
        begin({
          requestId: request.headers.get('x-request-id'),
          forwardedFor: request.headers.get('x-forwarded-for'),
          socketAddress: serverContext.req?.socket?.remoteAddress ?? null,
        });
      requests.set(request, state);
      const path = url.pathname;

      if (path === GRAPHQL_PATH) {
        if (shouldRenderGraphiQL(request)) return; // the GraphiQL page itself needs no key
        try {
          // A CORS preflight carries no credentials by design: refused as it is, with no
          // Access-Control-Allow-* header. Every other method is authenticated first.
          if (request.method !== 'OPTIONS') {
            // A request from the front door was admitted there.
            state.principal ??= admit(request.headers.get('authorization'), state);
          }
          if (request.method !== 'GET' && request.method !== 'POST') {
            throw new DessertError('method_not_allowed', { headers: { Allow: 'GET, POST' } });
          }
          const bounded = await withBoundedBody(request);
          if (bounded !== request) {
            requests.set(bounded, state);
            setRequest(bounded);
          }
        } catch (error) {
          endResponse(graphqlErrorResponse(publicError(error), request));
        }
        return;
      }

      if (path.startsWith(REST_PREFIX)) {
        try {
          if (path === SECRET_SCANNING_PATH && secretScanningKeys !== undefined) {
            endResponse(await secretScanningReport(request, state));
            return;
          }
          state.principal = admit(request.headers.get('authorization'), state);
          endResponse(handleRestRequest(request, path, state.principal, services, reportUnexpected));
        } catch (error) {
          endResponse(restErrorResponse(publicError(error)));
        }
        return;
      }

      // Public by design, and outside /graphql and /v1: probes and GraphiQL's own files.
      try {
        if (path === HEALTH_PATH || path === READY_PATH) {
          endResponse(healthResponse(request, path, services.store));
        } else if (path.startsWith(GRAPHIQL_ASSETS_PREFIX)) {
          endResponse(graphiqlAssetResponse(request, path));
        } else {
          endResponse(restErrorResponse(new DessertError('not_found')));
        }
      } catch (error) {
        endResponse(restErrorResponse(publicError(error)));
      }
    },

    onResponse({ request, response, setResponse }) {
      // Yoga answers a body it has no parser for with a bare 415: give it the catalogue's body.
      if (response.status === 415) {
        response = graphqlErrorResponse(new DessertError('unsupported_media_type'), request);
        setResponse(response);
      }
      // The GraphiQL page (rendered by Yoga before this plugin runs) loads nothing from elsewhere
      // and runs no inline script: say so.
      if (response.headers.get('content-type')?.startsWith('text/html') && shouldRenderGraphiQL(request)) {
        response.headers.set('Content-Security-Policy', GRAPHIQL_CONTENT_SECURITY_POLICY);
        response.headers.delete('content-type'); // set() alone would add a second header here
        response.headers.set('Content-Type', 'text/html; charset=utf-8');
        response.headers.set('X-Content-Type-Options', 'nosniff');
      }
      const state = requests.get(request);
      if (state === undefined) return;
      response.headers.set('X-Request-Id', state.id);
      finish(state, request.method, new URL(request.url).pathname, response.status);
    },
  };

  const graphiqlOptions = {
    title: 'Dessert API',
    headers: JSON.stringify({ Authorization: 'Bearer ' }, null, 2),
    // A key typed into GraphiQL stays in the page's memory, never in the browser's localStorage.
    shouldPersistHeaders: false,
    defaultQuery:
      '# Put your key in the Headers tab below, then run:\n{\n  balance {\n    amountCents\n    currency\n  }\n  brands {\n    name\n    onboardingStatus\n  }\n}\n',
  };

  const yoga = createYoga<ServerContext, GraphQLContext>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    landingPage: false,
    // Yoga's own health check answers any URL that merely ends with "/health", before any plugin:
    // /health and /ready are ours (src/health.ts). A space never occurs in a request URL.
    healthCheckEndpoint: ' disabled: see src/health.ts',
    // The body cap is withBoundedBody's (onRequest). Yoga's own limit would pipe every body
    // through a counting TransformStream as well: about a third of the CPU time of a small
    // authenticated query in the profile (the pipe, its AbortController and DOMException).
    maxRequestBodySize: false,
    // Browsers must not call the API directly ("proxy through your own backend"): no CORS at all.
    cors: false,
    logging: yogaLogger(logger),
    maskedErrors: { maskError },
    // Served from this server (src/graphiql.ts), not from a CDN.
    renderGraphiQL,
    // Yoga would render GraphiQL for any path that ends with /graphql (/v1/graphql too): only
    // the endpoint itself shows it; elsewhere the request goes on to the gate.
    graphiql: (request) => new URL(request.url).pathname === GRAPHQL_PATH && graphiqlOptions,
    context: ({ request }): GraphQLContext => {
      const state = requests.get(request);
      // Unreachable: onRequest ends every unauthenticated request before it is parsed.
      if (state?.principal === undefined) throw new DessertError('missing_authorization');
      return { principal: state.principal, clientAddress: state.clientAddress, services };
    },
    plugins: [authenticateFirst, ...useDocumentLimits(), useCatalogueValidationCode],
  });
  return { yoga, gate: { begin, admit, publicError, finish, reportUnexpected } };
}
