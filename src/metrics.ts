// Prometheus metrics (prom-client), on their own registry and served on their own port
// (METRICS_PORT), never through the API's port: the API's clients cannot read them.
//
//   dessert_authentications_total{outcome}           success, or the catalogue code of the failure
//   dessert_http_request_duration_seconds{route,method,status}   every HTTP request, first byte
//                                                    in to last byte out
//   plus prom-client's process and Node.js metrics (CPU, memory, event-loop lag, GC).
//
// Label values are bounded: routes are a fixed list (anything else is "other"), outcomes are the
// catalogue's codes, methods outside the usual few are "other".

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { ErrorCode } from './errors.ts';

export type AuthenticationOutcome = 'success' | ErrorCode;

export interface Metrics {
  readonly registry: Registry;
  /** One authentication attempt on /graphql or /v1: success, or the code it failed with. */
  authentication(outcome: AuthenticationOutcome): void;
  /** Times a node:http request from its arrival to the end of its response. */
  timeRequest(request: IncomingMessage, response: ServerResponse): void;
}

/** The outcomes authentication can have (others, if any, still get counted as they come). */
export const AUTHENTICATION_OUTCOMES: readonly AuthenticationOutcome[] = [
  'success',
  'missing_authorization',
  'invalid_authorization_scheme',
  'invalid_key_format',
  'invalid_api_key',
  'account_suspended',
  'rate_limited',
  'service_unavailable',
  'internal_error',
];

const ROUTES = new Set(['/graphql', '/v1/balance', '/v1/brands', '/health', '/ready']);
const METHODS = new Set(['GET', 'HEAD', 'POST', 'OPTIONS']);

/** A bounded route label for a request target ("/graphql?query=…" → "/graphql"). */
export function routeLabel(target: string | undefined): string {
  if (target === undefined) return 'other';
  const end = target.search(/[?#]/);
  const path = end === -1 ? target : target.slice(0, end);
  if (ROUTES.has(path)) return path;
  if (path.startsWith('/graphiql/')) return '/graphiql';
  return 'other';
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const authentications = new Counter({
    name: 'dessert_authentications_total',
    help: 'Authentication attempts on /graphql and /v1, by outcome: success or the error code.',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const requestDuration = new Histogram({
    name: 'dessert_http_request_duration_seconds',
    help: 'HTTP request latency, from the request arriving to its response finishing.',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  // Every outcome's series exists from the start, so a rate() or an alert over it is never empty.
  for (const outcome of AUTHENTICATION_OUTCOMES) authentications.inc({ outcome }, 0);

  return {
    registry,
    authentication(outcome) {
      authentications.inc({ outcome });
    },
    timeRequest(request, response) {
      const start = process.hrtime.bigint();
      response.once('close', () => {
        const seconds = Number(process.hrtime.bigint() - start) / 1e9;
        const method = METHODS.has(request.method ?? '') ? (request.method as string) : 'other';
        requestDuration.observe(
          { route: routeLabel(request.url), method, status: String(response.statusCode) },
          seconds,
        );
      });
    },
  };
}

/** The metrics endpoint: GET /metrics in Prometheus' text format; nothing else. */
export function createMetricsServer(metrics: Metrics): Server {
  return createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (path !== '/metrics') {
      response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found. Try /metrics.\n');
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }).end();
      return;
    }
    metrics.registry.metrics().then(
      (text) => {
        response.writeHead(200, { 'Content-Type': metrics.registry.contentType, 'Cache-Control': 'no-store' });
        response.end(request.method === 'HEAD' ? undefined : text);
      },
      () => {
        response.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Could not collect metrics.\n');
      },
    );
  });
}
