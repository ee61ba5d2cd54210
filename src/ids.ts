// Public identifiers: a short type prefix and 96 random bits, so an id says what it names and
// cannot be guessed or enumerated.

import { randomBytes } from 'node:crypto';

export type IdPrefix = 'acct' | 'brand' | 'key';

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomBytes(12).toString('hex')}`;
}
