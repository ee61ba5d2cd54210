// The GraphQL schema: each type's file registers the type and its fields on the builder.
// Domain errors (DessertError) thrown by root resolvers become GraphQLErrors carrying the
// catalogue's code, HTTP status and headers; anything else is left to maskError (internal_error).

import type { GraphQLFieldResolver, GraphQLObjectType } from 'graphql';
import { isDessertError } from '../errors.ts';
import { builder } from './builder.ts';
import { toGraphQLError } from './graphql-errors.ts';
import './date-time.ts';
import './balance.ts';
import './brand.ts';
import './api-key.ts';
import './audit-event.ts';

function translateDomainErrors(type: GraphQLObjectType | null | undefined): void {
  for (const field of Object.values(type?.getFields() ?? {})) {
    const resolve = field.resolve as GraphQLFieldResolver<unknown, unknown> | undefined;
    if (resolve === undefined) continue;
    field.resolve = (source, args, context, info) => {
      try {
        return resolve(source, args, context, info);
      } catch (error) {
        throw isDessertError(error) ? toGraphQLError(error) : error;
      }
    };
  }
}

export const schema = builder.toSchema();
translateDomainErrors(schema.getQueryType());
translateDomainErrors(schema.getMutationType());
