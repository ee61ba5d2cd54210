// Bounded work per request: a body-size cap, and limits on the GraphQL document (depth, aliases,
// tokens, directives; graphql-armor) and on what one mutation request may do. Each rejection is a
// 400 (413 for the body) with its own catalogue code.

import { blockFieldSuggestionsPlugin } from '@escape.tech/graphql-armor-block-field-suggestions';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { GraphQLError, Kind, type ValidationRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { DessertError, type ErrorCode, errorCatalogue } from '../errors.ts';

/** The largest request body accepted (a GraphQL request to this API is well under 10 KiB). */
export const MAX_BODY_BYTES = 64 * 1024;

export const DOCUMENT_LIMITS = {
  depth: 8,
  aliases: 15,
  tokens: 1000,
  directives: 20,
} as const;

/** Tags a graphql-armor rejection with its catalogue code (armor says "Syntax Error: …"). */
function tagWith(code: ErrorCode) {
  return [
    (_context: unknown, error: GraphQLError) => {
      const extensions = error.extensions as Record<string, unknown>;
      extensions.code = code;
      extensions.http = { status: errorCatalogue[code].status };
    },
  ];
}

/**
 * A mutation request runs one mutation field. Mutations run one after another and each root
 * field is non-null, so one failing field nulls the whole answer: with two createApiKey fields,
 * the first key's secret would be created and lost. One field a request makes every change
 * either answered in full or not made.
 */
const oneMutationFieldPerRequest: ValidationRule = (context) => ({
  OperationDefinition(node) {
    if (node.operation !== 'mutation') return;
    const fields = node.selectionSet.selections.filter(
      (selection) => selection.kind !== Kind.FIELD || selection.name.value !== '__typename',
    );
    if (fields.length > 1 || fields.some((selection) => selection.kind !== Kind.FIELD)) {
      context.reportError(
        new GraphQLError(errorCatalogue.one_mutation_per_request.message, {
          nodes: [node],
          extensions: { code: 'one_mutation_per_request' },
        }),
      );
    }
  },
});

export function useDocumentLimits(): Plugin[] {
  return [
    maxTokensPlugin({ n: DOCUMENT_LIMITS.tokens, onReject: tagWith('too_many_tokens') }),
    maxDepthPlugin({ n: DOCUMENT_LIMITS.depth, onReject: tagWith('query_too_deep') }),
    maxAliasesPlugin({ n: DOCUMENT_LIMITS.aliases, onReject: tagWith('too_many_aliases') }),
    maxDirectivesPlugin({ n: DOCUMENT_LIMITS.directives, onReject: tagWith('too_many_directives') }),
    // "Did you mean …?" would spell out the schema field by field.
    blockFieldSuggestionsPlugin(),
    { onValidate: ({ addValidationRule }) => addValidationRule(oneMutationFieldPerRequest) },
  ] as Plugin[];
}

/**
 * The request with its body read under the cap: 413 when Content-Length says it is too large,
 * or when a body without a length grows past the cap while it is read.
 */
export async function withBoundedBody(request: Request): Promise<Request> {
  if (request.method === 'GET' || request.method === 'HEAD' || request.body === null) return request;
  const declared = request.headers.get('content-length');
  if (declared !== null) {
    if (Number(declared) > MAX_BODY_BYTES) throw new DessertError('request_too_large');
    return request;
  }
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel();
      throw new DessertError('request_too_large');
    }
    chunks.push(value);
  }
  return new Request(request.url, { method: request.method, headers: request.headers, body: Buffer.concat(chunks) });
}
