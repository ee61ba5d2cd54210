// The API key as a value: its format, generation, hash and preview. Pure functions, no I/O.
// A plaintext key lives only between generateApiKey() and the response that shows it once;
// everything that is stored or compared is derived from it here (hash, last4).

import { hash, randomBytes } from 'node:crypto';

export const API_KEY_PREFIX = 'dsrt_live_';
export const API_KEY_RANDOM_HEX_LENGTH = 40; // 20 bytes = 160 bits from the CSPRNG
export const API_KEY_LENGTH = API_KEY_PREFIX.length + API_KEY_RANDOM_HEX_LENGTH;
export const API_KEY_PATTERN = /^dsrt_live_[0-9a-f]{40}$/;

/** A fresh key: `dsrt_live_` + 40 lowercase hex characters from crypto.randomBytes. */
export function generateApiKey(): string {
  return API_KEY_PREFIX + randomBytes(API_KEY_RANDOM_HEX_LENGTH / 2).toString('hex');
}

export type KeyFormatProblem = 'wrong_prefix' | 'wrong_body';

/** Why a token is not a key (null when it is one). The two answers get two documented messages. */
export function keyFormatProblem(token: string): KeyFormatProblem | null {
  if (!token.startsWith(API_KEY_PREFIX)) return 'wrong_prefix';
  return API_KEY_PATTERN.test(token) ? null : 'wrong_body';
}

export function isWellFormedApiKey(token: string): boolean {
  return API_KEY_PATTERN.test(token);
}

/** SHA-256 of the whole key, lowercase hex: the only form of a key that is stored. */
export function hashApiKey(key: string): string {
  return hash('sha256', key, 'hex');
}

export function last4(key: string): string {
  return key.slice(-4);
}

/** What a page shows of a key it can no longer see: "…1a30". */
export function previewFromLast4(lastFour: string): string {
  return `…${lastFour}`;
}

const KEY_LIKE = /dsrt_live_[0-9a-zA-Z]*/g;
export const REDACTED_KEY = 'dsrt_live_[REDACTED]';

/** Masks anything that looks like a key, so no message, error or log line can carry one. */
export function redactKeys(text: string): string {
  return text.includes(API_KEY_PREFIX) ? text.replace(KEY_LIKE, REDACTED_KEY) : text;
}
