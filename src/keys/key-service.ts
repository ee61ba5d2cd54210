// The key service owns an API key's whole life: create, rotate, revoke, revoke as leaked, list,
// the record of its last use, and the audit trail of every change. Resolvers, REST routes and
// the CLI are thin doors onto it; none of them touches the api_keys table.
//
// Concurrency: every change runs in a BEGIN IMMEDIATE transaction and re-checks the key's state
// with a conditional UPDATE, so among concurrent rotations (in this process or another one on the
// same file) exactly one wins and the others get api_key_not_rotatable.
//
// lastUsedAt: authentication records a use in memory (no write per request); flushLastUsed()
// saves the newest use of each key in one transaction, at most once a minute and at shutdown.

import { and, count, desc, eq, gt, inArray, isNull, or, sql } from 'drizzle-orm';
import type { Clock } from '../clock.ts';
import type { Store } from '../db/database.ts';
import { apiKeys, auditEvents } from '../db/schema.ts';
import { DessertError } from '../errors.ts';
import { newId } from '../ids.ts';
import { generateApiKey, hashApiKey, isWellFormedApiKey, last4, previewFromLast4 } from './api-key.ts';
import { type ApiKeyStatus, apiKeyStatus, isLive } from './key-status.ts';

export const DEFAULT_KEY_NAME = 'Secret key';
export const MAX_KEY_NAME_LENGTH = 100;
export const DEFAULT_GRACE_PERIOD_SECONDS = 300;
export const MAX_GRACE_PERIOD_SECONDS = 300;
export const DEFAULT_MAX_LIVE_KEYS_PER_ACCOUNT = 100;

type ApiKeyRow = typeof apiKeys.$inferSelect;

export interface ApiKeyView {
  id: string;
  accountId: string;
  name: string;
  last4: string;
  preview: string;
  status: ApiKeyStatus;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
  successorId: string | null;
}

/** Who made a change, for the audit trail. */
export type Actor =
  | { type: 'api_key'; keyId: string; clientAddress: string | null }
  | { type: 'operator' }
  | { type: 'secret_scanning'; clientAddress: string | null };

export interface CreatedKey {
  apiKey: ApiKeyView;
  /** The plaintext: returned once, here, and never stored. */
  secret: string;
}

export interface RotatedKey extends CreatedKey {
  previousApiKey: ApiKeyView;
}

export interface AuditEventView {
  id: number;
  action: (typeof auditEvents.$inferSelect)['action'];
  apiKeyId: string;
  actorType: (typeof auditEvents.$inferSelect)['actorType'];
  actorKeyId: string | null;
  clientAddress: string | null;
  createdAt: Date;
}

export interface KeyServiceOptions {
  store: Store;
  clock: Clock;
  maxLiveKeysPerAccount?: number;
}

export type KeyService = ReturnType<typeof createKeyService>;

export function createKeyService({
  store,
  clock,
  maxLiveKeysPerAccount = DEFAULT_MAX_LIVE_KEYS_PER_ACCOUNT,
}: KeyServiceOptions) {
  const { db } = store;
  /** keyId → newest use (ms) not yet saved. */
  const pendingUses = new Map<string, number>();
  const changeListeners = new Set<() => void>();

  const findKeyOfAccount = db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.id, sql.placeholder('id')), eq(apiKeys.accountId, sql.placeholder('accountId'))))
    .prepare();

  const listKeysOfAccount = db
    .select()
    .from(apiKeys)
    .where(eq(apiKeys.accountId, sql.placeholder('accountId')))
    .orderBy(desc(apiKeys.createdAt), desc(sql`rowid`))
    .prepare();

  const countLiveKeys = db
    .select({ n: count() })
    .from(apiKeys)
    .where(
      and(
        eq(apiKeys.accountId, sql.placeholder('accountId')),
        isNull(apiKeys.revokedAt),
        or(isNull(apiKeys.expiresAt), gt(apiKeys.expiresAt, sql.placeholder('now'))),
      ),
    )
    .prepare();

  const saveLastUsed = store.sqlite.prepare(
    'UPDATE api_keys SET last_used_at = max(coalesce(last_used_at, 0), ?) WHERE id = ?',
  );

  function view(row: ApiKeyRow, now = clock.now()): ApiKeyView {
    const pending = pendingUses.get(row.id);
    const lastUsedAt =
      pending !== undefined && (row.lastUsedAt === null || pending > row.lastUsedAt.getTime())
        ? new Date(pending)
        : row.lastUsedAt;
    return {
      id: row.id,
      accountId: row.accountId,
      name: row.name,
      last4: row.last4,
      preview: previewFromLast4(row.last4),
      status: apiKeyStatus(row, now),
      createdAt: row.createdAt,
      lastUsedAt,
      expiresAt: row.expiresAt,
      revokedAt: row.revokedAt,
      successorId: row.successorId,
    };
  }

  function changed(): void {
    for (const listener of changeListeners) listener();
  }

  function audit(
    tx: Pick<Store['db'], 'insert'>,
    accountId: string,
    action: AuditEventView['action'],
    apiKeyId: string,
    actor: Actor,
    now: number,
    details?: Record<string, unknown>,
  ): void {
    tx.insert(auditEvents)
      .values({
        accountId,
        action,
        apiKeyId,
        actorType: actor.type,
        actorKeyId: actor.type === 'api_key' ? actor.keyId : null,
        clientAddress: actor.type === 'operator' ? null : actor.clientAddress,
        createdAt: new Date(now),
        details: details ?? null,
      })
      .run();
  }

  function normaliseName(name: string | null | undefined): string {
    if (name === null || name === undefined) return DEFAULT_KEY_NAME;
    const trimmed = name.trim();
    if (trimmed.length === 0 || trimmed.length > MAX_KEY_NAME_LENGTH) {
      throw new DessertError('invalid_input', {
        message: `name must be 1 to ${MAX_KEY_NAME_LENGTH} characters after trimming.`,
      });
    }
    return trimmed;
  }

  function insertKey(
    tx: Pick<Store['db'], 'insert'>,
    accountId: string,
    name: string,
    now: number,
    expiresAt: Date | null,
  ): { row: ApiKeyRow; secret: string } {
    const secret = generateApiKey();
    const row: ApiKeyRow = {
      id: newId('key'),
      accountId,
      name,
      keyHash: hashApiKey(secret),
      last4: last4(secret),
      createdAt: new Date(now),
      expiresAt,
      revokedAt: null,
      lastUsedAt: null,
      rotatedAt: null,
      successorId: null,
    };
    tx.insert(apiKeys).values(row).run();
    return { row, secret };
  }

  function requireRoomFor(accountId: string, now: number): void {
    const live = countLiveKeys.get({ accountId, now })?.n ?? 0;
    if (live >= maxLiveKeysPerAccount) throw new DessertError('api_key_limit_reached');
  }

  function requireKeyOfAccount(accountId: string, id: string): ApiKeyRow {
    // Another account's id, an unknown id and a malformed id all get the same answer.
    const row = findKeyOfAccount.get({ id, accountId });
    if (row === undefined) throw new DessertError('api_key_not_found');
    return row;
  }

  return {
    maxLiveKeysPerAccount,

    /** Called after every change this process makes, so caches can drop what they hold. */
    onChange(listener: () => void): () => void {
      changeListeners.add(listener);
      return () => changeListeners.delete(listener);
    },

    createApiKey(
      accountId: string,
      input: { name?: string | null; expiresAt?: Date | null },
      actor: Actor,
    ): CreatedKey {
      const name = normaliseName(input.name);
      const expiresAt = input.expiresAt ?? null;
      const result = db.transaction(
        (tx) => {
          const now = clock.now();
          if (expiresAt !== null && expiresAt.getTime() <= now) {
            throw new DessertError('invalid_input', { message: 'expiresAt must be in the future.' });
          }
          requireRoomFor(accountId, now);
          const created = insertKey(tx, accountId, name, now, expiresAt);
          audit(tx, accountId, 'api_key.created', created.row.id, actor, now);
          return { apiKey: view(created.row, now), secret: created.secret };
        },
        { behavior: 'immediate' },
      );
      changed();
      return result;
    },

    rotateApiKey(
      accountId: string,
      input: { id: string; gracePeriodSeconds?: number | null },
      actor: Actor,
    ): RotatedKey {
      const grace = input.gracePeriodSeconds ?? DEFAULT_GRACE_PERIOD_SECONDS;
      if (!Number.isInteger(grace) || grace < 0 || grace > MAX_GRACE_PERIOD_SECONDS) {
        throw new DessertError('invalid_input', {
          message: `gracePeriodSeconds must be an integer from 0 to ${MAX_GRACE_PERIOD_SECONDS}.`,
        });
      }
      const result = db.transaction(
        (tx) => {
          const now = clock.now();
          const old = requireKeyOfAccount(accountId, input.id);
          if (apiKeyStatus(old, now) !== 'ACTIVE') throw new DessertError('api_key_not_rotatable');
          // With a grace period the old key stays live beside its successor, so it needs room;
          // a rotation without grace replaces the key and always fits.
          if (grace > 0) requireRoomFor(accountId, now);
          const successor = insertKey(tx, accountId, old.name, now, old.expiresAt);
          const graceEnd = now + grace * 1000;
          const expiresAt =
            old.expiresAt !== null && old.expiresAt.getTime() < graceEnd ? old.expiresAt : new Date(graceEnd);
          const updated = tx
            .update(apiKeys)
            .set({
              successorId: successor.row.id,
              rotatedAt: new Date(now),
              ...(grace === 0 ? { revokedAt: new Date(now) } : { expiresAt }),
            })
            .where(and(eq(apiKeys.id, old.id), isNull(apiKeys.successorId), isNull(apiKeys.revokedAt)))
            .returning()
            .get();
          if (updated === undefined) throw new DessertError('api_key_not_rotatable');
          audit(tx, accountId, 'api_key.rotated', old.id, actor, now, {
            successorId: successor.row.id,
            gracePeriodSeconds: grace,
          });
          return {
            apiKey: view(successor.row, now),
            secret: successor.secret,
            previousApiKey: view(updated, now),
          };
        },
        { behavior: 'immediate' },
      );
      changed();
      return result;
    },

    revokeApiKey(accountId: string, id: string, actor: Actor): ApiKeyView {
      const result = db.transaction(
        (tx) => {
          const now = clock.now();
          const key = requireKeyOfAccount(accountId, id);
          if (!isLive(apiKeyStatus(key, now))) throw new DessertError('api_key_not_revocable');
          const updated = tx
            .update(apiKeys)
            .set({ revokedAt: new Date(now) })
            .where(and(eq(apiKeys.id, key.id), isNull(apiKeys.revokedAt)))
            .returning()
            .get();
          if (updated === undefined) throw new DessertError('api_key_not_revocable');
          audit(tx, accountId, 'api_key.revoked', key.id, actor, now);
          return view(updated, now);
        },
        { behavior: 'immediate' },
      );
      changed();
      return result;
    },

    /**
     * Revokes every known key among plaintexts found in a public place, without the owner's
     * involvement. Malformed lines and unknown keys are counted as unknown; a key that was
     * already revoked counts as revoked (it is known and it no longer works).
     */
    revokeLeakedKeys(
      plaintexts: Iterable<string>,
      actor: Actor,
    ): { revoked: number; unknown: number; knownHashes: Set<string> } {
      const hashes = new Set<string>();
      let unknown = 0;
      for (const candidate of plaintexts) {
        if (isWellFormedApiKey(candidate)) hashes.add(hashApiKey(candidate));
        else unknown += 1;
      }
      const knownHashes = new Set<string>();
      db.transaction(
        (tx) => {
          const now = clock.now();
          const hashList = [...hashes];
          for (let i = 0; i < hashList.length; i += 500) {
            const chunk = hashList.slice(i, i + 500);
            const rows = tx.select().from(apiKeys).where(inArray(apiKeys.keyHash, chunk)).all();
            unknown += chunk.length - rows.length;
            for (const row of rows) {
              knownHashes.add(row.keyHash);
              if (row.revokedAt !== null) continue;
              tx.update(apiKeys)
                .set({ revokedAt: new Date(now) })
                .where(eq(apiKeys.id, row.id))
                .run();
              audit(tx, row.accountId, 'api_key.leak_revoked', row.id, actor, now);
            }
          }
        },
        { behavior: 'immediate' },
      );
      changed();
      return { revoked: knownHashes.size, unknown, knownHashes };
    },

    listApiKeys(accountId: string): ApiKeyView[] {
      const now = clock.now();
      return listKeysOfAccount.all({ accountId }).map((row) => view(row, now));
    },

    getApiKey(accountId: string, id: string): ApiKeyView {
      return view(requireKeyOfAccount(accountId, id));
    },

    /** Remembers that a key was used now; saved by flushLastUsed(). No database write here. */
    recordUse(keyId: string): void {
      pendingUses.set(keyId, clock.now());
    },

    /** Saves the pending uses in one transaction; returns how many keys it wrote. */
    flushLastUsed(): number {
      if (pendingUses.size === 0) return 0;
      const uses = [...pendingUses];
      store.sqlite.transaction(() => {
        for (const [keyId, usedAt] of uses) saveLastUsed.run(usedAt, keyId);
      })();
      // Keep uses recorded while we were writing (none today: this is synchronous).
      for (const [keyId, usedAt] of uses) {
        if (pendingUses.get(keyId) === usedAt) pendingUses.delete(keyId);
      }
      return uses.length;
    },

    listAuditEvents(
      accountId: string,
      options: { first: number; after?: number | null },
    ): {
      events: AuditEventView[];
      hasNextPage: boolean;
    } {
      const rows = db
        .select()
        .from(auditEvents)
        .where(
          and(
            eq(auditEvents.accountId, accountId),
            options.after != null ? sql`${auditEvents.id} < ${options.after}` : undefined,
          ),
        )
        .orderBy(desc(auditEvents.id))
        .limit(options.first + 1)
        .all();
      return {
        events: rows.slice(0, options.first).map((row) => ({
          id: row.id,
          action: row.action,
          apiKeyId: row.apiKeyId,
          actorType: row.actorType,
          actorKeyId: row.actorKeyId,
          clientAddress: row.clientAddress,
          createdAt: row.createdAt,
        })),
        hasNextPage: rows.length > options.first,
      };
    },
  };
}
