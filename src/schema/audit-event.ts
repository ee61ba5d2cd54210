// AuditEvent: the account's trail of key changes (create, rotate, revoke, leak revocation),
// newest first, paged with an opaque cursor.

import { DessertError } from '../errors.ts';
import type { AuditEventView } from '../keys/key-service.ts';
import { builder } from './builder.ts';

export const MAX_AUDIT_PAGE = 100;

const AuditAction = builder.enumType('AuditAction', {
  values: {
    API_KEY_CREATED: { value: 'api_key.created' },
    API_KEY_ROTATED: { value: 'api_key.rotated' },
    API_KEY_REVOKED: { value: 'api_key.revoked' },
    API_KEY_LEAK_REVOKED: { value: 'api_key.leak_revoked', description: 'Revoked as leaked, without the owner.' },
  } as const,
});

const AuditActorType = builder.enumType('AuditActorType', {
  values: {
    API_KEY: { value: 'api_key', description: 'A request authenticated with one of the account’s keys.' },
    OPERATOR: { value: 'operator', description: 'A Dessert operator (the CLI).' },
    SECRET_SCANNING: { value: 'secret_scanning', description: 'A secret-scanning partner report.' },
  } as const,
});

const AuditEvent = builder.objectRef<AuditEventView>('AuditEvent').implement({
  fields: (t) => ({
    id: t.id({ resolve: (event) => String(event.id) }),
    action: t.expose('action', { type: AuditAction }),
    apiKeyId: t.exposeID('apiKeyId', { description: 'The key that was changed.' }),
    actorType: t.expose('actorType', { type: AuditActorType }),
    actorApiKeyId: t.exposeID('actorKeyId', { nullable: true, description: 'The key that made the change.' }),
    clientAddress: t.exposeString('clientAddress', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const PageInfo = builder.objectRef<{ hasNextPage: boolean; endCursor: string | null }>('PageInfo').implement({
  fields: (t) => ({
    hasNextPage: t.exposeBoolean('hasNextPage'),
    endCursor: t.exposeString('endCursor', { nullable: true, description: 'Pass as `after` for the next page.' }),
  }),
});

const AuditEventConnection = builder
  .objectRef<{ nodes: AuditEventView[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } }>(
    'AuditEventConnection',
  )
  .implement({
    fields: (t) => ({
      nodes: t.field({ type: [AuditEvent], resolve: (connection) => connection.nodes }),
      pageInfo: t.field({ type: PageInfo, resolve: (connection) => connection.pageInfo }),
    }),
  });

const CURSOR_PREFIX = 'audit:';

function encodeCursor(id: number): string {
  return Buffer.from(`${CURSOR_PREFIX}${id}`).toString('base64url');
}

function decodeCursor(cursor: string): number {
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  const id = Number(decoded.slice(CURSOR_PREFIX.length));
  if (!decoded.startsWith(CURSOR_PREFIX) || !Number.isSafeInteger(id) || id < 1) {
    throw new DessertError('invalid_input', { message: 'after is not a cursor this API returned.' });
  }
  return id;
}

builder.queryField('auditEvents', (t) =>
  t.field({
    type: AuditEventConnection,
    description: "The account's key changes, newest first.",
    args: {
      first: t.arg.int({ defaultValue: 50, description: `1–${MAX_AUDIT_PAGE}` }),
      after: t.arg.string({ description: 'The endCursor of the previous page.' }),
    },
    resolve: (_root, args, { principal, services }) => {
      const first = args.first ?? 50;
      const after = args.after;
      if (first < 1 || first > MAX_AUDIT_PAGE) {
        throw new DessertError('invalid_input', { message: `first must be from 1 to ${MAX_AUDIT_PAGE}.` });
      }
      const page = services.keys.listAuditEvents(principal.accountId, {
        first,
        after: after == null ? null : decodeCursor(after),
      });
      const last = page.events.at(-1);
      return {
        nodes: page.events,
        pageInfo: { hasNextPage: page.hasNextPage, endCursor: last ? encodeCursor(last.id) : null },
      };
    },
  }),
);
