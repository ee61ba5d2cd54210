// The HTTP application: GraphQL at /graphql (GraphiQL for a browser), REST under /v1. Builds the
// Yoga instance from the services it is given and does no I/O of its own.
//
// Authentication comes first: Yoga parses and validates a document before it calls the context
// factory, so the key is checked in an onRequest hook, which sees the raw request before its body
// is read. A request without a valid key gets its 401/403 whatever its body, and learns nothing
// about the schema; the context factory only carries the principal found there.

import { GraphQLError } from 'graphql';
import { createYoga, type Plugin, shouldRenderGraphiQL, type YogaLogger, type YogaServerInstance } from 'graphql-yoga';
import type { Principal } from './auth/authenticate.ts';
import type { GraphQLContext } from './context.ts';
import { type DessertError, DessertError as ErrorClass, toDessertError } from './errors.ts';
import type { Logger } from './logger.ts';
import { handleRestRequest, REST_PREFIX, restErrorResponse } from './rest/routes.ts';
import { isIntended, maskError, useCatalogueValidationCode } from './schema/graphql-errors.ts';
import { schema } from './schema/index.ts';
import type { Services } from './services.ts';

export const GRAPHQL_PATH = '/graphql';

/** What node:http hands Yoga with each request (absent when a test calls yoga.fetch). */
export interface ServerContext {
  req?: { socket?: { remoteAddress?: string | undefined } };
}

export interface DessertYogaOptions {
  services: Services;
  logger: Logger;
}

export type DessertYoga = YogaServerInstance<ServerContext, GraphQLContext>;

interface Caller {
  principal: Principal;
  clientAddress: string | null;
}

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

function clientAddressOf(serverContext: ServerContext): string | null {
  return serverContext.req?.socket?.remoteAddress ?? null;
}

/** A GraphQL request that fails as a whole: the catalogue's status whatever the Accept header. */
function graphqlErrorResponse(error: DessertError, request: Request): Response {
  const accept = request.headers.get('accept') ?? '';
  const contentType = accept.includes('application/graphql-response+json')
    ? 'application/graphql-response+json; charset=utf-8'
    : 'application/json; charset=utf-8';
  const body = { errors: [{ message: error.message, extensions: { code: error.code } }] };
  return new Response(JSON.stringify(body), {
    status: error.status,
    headers: { 'Content-Type': contentType, ...error.headers },
  });
}

export function createDessertYoga({ services, logger }: DessertYogaOptions): DessertYoga {
  const callers = new WeakMap<Request, Caller>();

  function reportUnexpected(error: unknown): void {
    logger.error({ err: error }, 'unexpected error');
  }

  function authenticate(request: Request): Principal {
    try {
      return services.auth.authenticate(request.headers.get('authorization'));
    } catch (error) {
      const publicError = toDessertError(error);
      if (publicError !== error) reportUnexpected(error);
      throw publicError;
    }
  }

  const authenticateFirst: Plugin<GraphQLContext, ServerContext> = {
    onRequest({ request, url, serverContext, endResponse }) {
      const path = url.pathname;
      if (path === GRAPHQL_PATH) {
        if (shouldRenderGraphiQL(request)) return; // the GraphiQL page itself needs no key
        if (request.method !== 'GET' && request.method !== 'POST') {
          endResponse(
            graphqlErrorResponse(new ErrorClass('method_not_allowed', { headers: { Allow: 'GET, POST' } }), request),
          );
          return;
        }
        try {
          callers.set(request, { principal: authenticate(request), clientAddress: clientAddressOf(serverContext) });
        } catch (error) {
          endResponse(graphqlErrorResponse(error as DessertError, request));
        }
        return;
      }
      if (path.startsWith(REST_PREFIX)) {
        let principal: Principal;
        try {
          principal = authenticate(request);
        } catch (error) {
          endResponse(restErrorResponse(error as DessertError));
          return;
        }
        endResponse(handleRestRequest(request, path, principal, services, reportUnexpected));
        return;
      }
      endResponse(restErrorResponse(new ErrorClass('not_found')));
    },
  };

  return createYoga<ServerContext, GraphQLContext>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    landingPage: false,
    // Browsers must not call the API directly ("proxy through your own backend"): no CORS at all.
    cors: false,
    logging: yogaLogger(logger),
    maskedErrors: { maskError },
    graphiql: {
      title: 'Dessert API',
      headers: JSON.stringify({ Authorization: 'Bearer ' }, null, 2),
      defaultQuery:
        '# Put your key in the Headers tab below, then run:\n{\n  balance {\n    amountCents\n    currency\n  }\n  brands {\n    name\n    onboardingStatus\n  }\n}\n',
    },
    context: ({ request }): GraphQLContext => {
      const caller = callers.get(request);
      // Unreachable: onRequest ends every unauthenticated request before it is parsed.
      if (caller === undefined) throw new ErrorClass('missing_authorization');
      return { ...caller, services };
    },
    plugins: [authenticateFirst, useCatalogueValidationCode],
  });
}
