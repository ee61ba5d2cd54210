// Catalogue errors in GraphQL's shape: `extensions.code` in the body, and `extensions.http`
// (status and headers), which Yoga turns into the response's status and headers and then
// strips from the body.

import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { type DessertError, type ErrorCode, errorCatalogue, toDessertError } from '../errors.ts';
import { redactKeys } from '../keys/api-key.ts';

export function toGraphQLError(error: DessertError): GraphQLError {
  return new GraphQLError(error.message, {
    extensions: { code: error.code, http: { status: error.status, headers: error.headers } },
  });
}

// Yoga's own request and document errors, renamed into the catalogue's snake_case codes.
const YOGA_CODES: Record<string, ErrorCode> = {
  GRAPHQL_PARSE_FAILED: 'graphql_parse_failed',
  GRAPHQL_VALIDATION_FAILED: 'graphql_validation_failed',
  BAD_USER_INPUT: 'invalid_input',
  BAD_REQUEST: 'bad_request',
  PERSISTED_QUERY_NOT_FOUND: 'bad_request',
  OPERATION_RESOLUTION_FAILURE: 'operation_not_found',
};

/**
 * Yoga's maskError: what a client may see of any error. A GraphQLError raised on purpose keeps
 * its message (its code renamed into the catalogue); everything else becomes internal_error, or
 * service_unavailable when the database is out of reach, with no stack, SQL or cause in the body.
 */
export function maskError(error: unknown): Error {
  if (error instanceof GraphQLError && isIntended(error)) {
    const code = error.extensions.code;
    const renamed = typeof code === 'string' ? YOGA_CODES[code] : undefined;
    const http = error.extensions.http as { status?: number; spec?: boolean } | undefined;
    // Yoga refuses a mutation sent with GET with 405 (and Allow: POST): the catalogue's code.
    const methodNotAllowed = http?.status === errorCatalogue.method_not_allowed.status;
    // Messages can quote the client's input ("got invalid value …"): never a key.
    return new GraphQLError(redactKeys(error.message), {
      nodes: error.nodes,
      source: error.source,
      positions: error.positions,
      path: error.path,
      // Only the code (and the status and headers Yoga strips): other extensions can quote the
      // client's input (Yoga's JSON parser puts the raw body in originalError.message).
      extensions: {
        code: methodNotAllowed ? 'method_not_allowed' : (renamed ?? code ?? 'invalid_input'),
        // A document error is a 400, kept at 200 under application/json as the GraphQL-over-HTTP
        // spec asks (Yoga's `spec` flag). A body that is not even JSON stays a 400 under any
        // Accept: Yoga tells it by `extensions.originalError`, which is dropped above, so the flag
        // goes too.
        http: {
          status: errorCatalogue.bad_request.status,
          ...http,
          ...(error.extensions.originalError !== undefined ? { spec: false } : {}),
        },
      },
    });
  }
  if (error instanceof SyntaxError) {
    // Yoga parses GET `variables`/`extensions` with a bare JSON.parse: invalid JSON there is the
    // client's mistake, not ours (a resolver's errors always arrive wrapped in a GraphQLError).
    return new GraphQLError("The request's variables or extensions are not valid JSON.", {
      extensions: { code: 'bad_request', http: { status: errorCatalogue.bad_request.status } },
    });
  }
  const original = error instanceof GraphQLError ? error.originalError : error;
  const dessertError = toDessertError(original);
  const masked = new GraphQLError(dessertError.message, {
    extensions: {
      code: dessertError.code,
      http: { status: dessertError.status, headers: dessertError.headers },
    },
  });
  if (error instanceof GraphQLError) {
    return new GraphQLError(masked.message, { nodes: error.nodes, path: error.path, extensions: masked.extensions });
  }
  return masked;
}

/** A GraphQLError made on purpose (not a wrapper around a thrown Error). */
export function isIntended(error: GraphQLError): boolean {
  let current: unknown = error;
  while (current instanceof GraphQLError) {
    if (current.originalError == null) return true;
    current = current.originalError;
  }
  return false;
}

/**
 * Validation errors are returned, not thrown, so they never reach maskError: give them the
 * catalogue's code here (Yoga adds its 400 status and keeps the code it finds).
 */
export const useCatalogueValidationCode: Plugin = {
  onValidate() {
    return ({ valid, result }) => {
      if (valid) return;
      for (const error of result) {
        (error as { message: string }).message = redactKeys(error.message);
        const extensions = error.extensions as Record<string, unknown>;
        if (extensions.code === undefined || extensions.code === 'GRAPHQL_VALIDATION_FAILED') {
          extensions.code = 'graphql_validation_failed';
        }
      }
    };
  },
};
