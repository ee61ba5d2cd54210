// ApiKey: the caller's keys and the mutations that manage them. Resolvers only translate between
// GraphQL and the key service, which owns every rule.

import type { GraphQLContext } from '../context.ts';
import type { Actor, ApiKeyView } from '../keys/key-service.ts';
import { API_KEY_STATUSES } from '../keys/key-status.ts';
import { builder } from './builder.ts';

const ApiKeyStatus = builder.enumType('ApiKeyStatus', {
  values: API_KEY_STATUSES,
  description: 'Derived from the timestamps at read time.',
});

export const ApiKey = builder.objectRef<ApiKeyView>('ApiKey').implement({
  description: 'An API key as its owner sees it after creation: never its plaintext.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    last4: t.exposeString('last4'),
    preview: t.exposeString('preview', { description: '"…" and the last four characters, e.g. "…1a30".' }),
    status: t.expose('status', { type: ApiKeyStatus }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
  }),
});

const CreatedApiKey = builder.objectRef<{ apiKey: ApiKeyView; secret: string }>('CreatedApiKey').implement({
  fields: (t) => ({
    apiKey: t.field({ type: ApiKey, resolve: (parent) => parent.apiKey }),
    secret: t.exposeString('secret', { description: 'The plaintext key. Shown this once; store it now.' }),
  }),
});

const RotatedApiKey = builder
  .objectRef<{ apiKey: ApiKeyView; secret: string; previousApiKey: ApiKeyView }>('RotatedApiKey')
  .implement({
    fields: (t) => ({
      apiKey: t.field({ type: ApiKey, resolve: (parent) => parent.apiKey }),
      secret: t.exposeString('secret', { description: 'The new plaintext key. Shown this once.' }),
      previousApiKey: t.field({
        type: ApiKey,
        description: 'The rotated key: ROTATING until its expiresAt, or REVOKED with no grace period.',
        resolve: (parent) => parent.previousApiKey,
      }),
    }),
  });

const CreateApiKeyInput = builder.inputType('CreateApiKeyInput', {
  fields: (t) => ({
    name: t.string({ description: '1–100 characters after trimming; default "Secret key".' }),
    expiresAt: t.field({ type: 'DateTime', description: 'Must be in the future.' }),
  }),
});

const RotateApiKeyInput = builder.inputType('RotateApiKeyInput', {
  fields: (t) => ({
    id: t.id({ required: true }),
    gracePeriodSeconds: t.int({
      description: 'How long the old key keeps working: 0–300 seconds, default 300. 0 revokes it at once.',
    }),
  }),
});

const RevokeApiKeyInput = builder.inputType('RevokeApiKeyInput', {
  fields: (t) => ({ id: t.id({ required: true }) }),
});

function actorOf({ principal, clientAddress }: GraphQLContext): Actor {
  return { type: 'api_key', keyId: principal.keyId, clientAddress };
}

builder.queryField('apiKeys', (t) =>
  t.field({
    type: [ApiKey],
    description: "The caller's account's keys, newest first, revoked ones included.",
    resolve: (_root, _args, { principal, services }) => services.keys.listApiKeys(principal.accountId),
  }),
);

builder.mutationField('createApiKey', (t) =>
  t.field({
    type: CreatedApiKey,
    args: { input: t.arg({ type: CreateApiKeyInput }) },
    resolve: (_root, { input }, context) =>
      context.services.keys.createApiKey(
        context.principal.accountId,
        { name: input?.name, expiresAt: input?.expiresAt },
        actorOf(context),
      ),
  }),
);

builder.mutationField('rotateApiKey', (t) =>
  t.field({
    type: RotatedApiKey,
    args: { input: t.arg({ type: RotateApiKeyInput, required: true }) },
    resolve: (_root, { input }, context) =>
      context.services.keys.rotateApiKey(
        context.principal.accountId,
        { id: input.id, gracePeriodSeconds: input.gracePeriodSeconds },
        actorOf(context),
      ),
  }),
);

builder.mutationField('revokeApiKey', (t) =>
  t.field({
    type: ApiKey,
    args: { input: t.arg({ type: RevokeApiKeyInput, required: true }) },
    resolve: (_root, { input }, context) =>
      context.services.keys.revokeApiKey(context.principal.accountId, input.id, actorOf(context)),
  }),
);
