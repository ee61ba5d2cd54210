// A key's status is derived from its timestamps at read time, so no background job is needed for
// a key to stop working: the moment `expiresAt` passes, every check below says so.

export const API_KEY_STATUSES = ['ACTIVE', 'ROTATING', 'EXPIRED', 'REVOKED'] as const;
export type ApiKeyStatus = (typeof API_KEY_STATUSES)[number];

export interface KeyTimes {
  expiresAt: Date | null;
  revokedAt: Date | null;
  successorId: string | null;
}

export function apiKeyStatus(key: KeyTimes, now: number): ApiKeyStatus {
  if (key.revokedAt !== null) return 'REVOKED';
  if (key.expiresAt !== null && key.expiresAt.getTime() <= now) return 'EXPIRED';
  if (key.successorId !== null) return 'ROTATING';
  return 'ACTIVE';
}

/** A key authenticates while it is ACTIVE or ROTATING. */
export function isLive(status: ApiKeyStatus): boolean {
  return status === 'ACTIVE' || status === 'ROTATING';
}
