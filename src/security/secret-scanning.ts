// The secret-scanning partner endpoint (POST /v1/secret-scanning/revoke): GitHub's secret-scanning
// partner program reports our keys it finds in public places, and we revoke them at once
// ("we will revoke leaked keys without notice").
//
// GitHub signs the raw body with ECDSA P-256 / SHA-256 (DER signature, base64, in
// Github-Public-Key-Signature) under the key named by Github-Public-Key-Identifier. The public
// keys come from a file (SECRET_SCANNING_PUBLIC_KEYS, in the JSON shape GitHub publishes them:
// {"public_keys":[{"key_identifier","key"}]}); nothing is fetched over the network. A missing or
// wrong signature gets 401 invalid_signature and revokes nothing.

import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DessertError } from '../errors.ts';
import { hashApiKey } from '../keys/api-key.ts';
import type { KeyService } from '../keys/key-service.ts';

export const SECRET_SCANNING_PATH = '/v1/secret-scanning/revoke';
export const DESSERT_TOKEN_TYPE = 'dessert_api_key';
const MAX_REPORTED_TOKENS = 1000;

export type PublicKeys = ReadonlyMap<string, KeyObject>;

/** Reads GitHub's public-key document; throws a message naming the file when it is unusable. */
export function loadPublicKeys(path: string): PublicKeys {
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`SECRET_SCANNING_PUBLIC_KEYS: cannot read ${path}: ${(error as Error).message}`);
  }
  const entries = (document as { public_keys?: unknown }).public_keys;
  if (!Array.isArray(entries) || entries.length === 0) {
    throw new Error(`SECRET_SCANNING_PUBLIC_KEYS: ${path} has no "public_keys" array`);
  }
  const keys = new Map<string, KeyObject>();
  for (const entry of entries as { key_identifier?: unknown; key?: unknown }[]) {
    if (typeof entry.key_identifier !== 'string' || typeof entry.key !== 'string') {
      throw new Error(`SECRET_SCANNING_PUBLIC_KEYS: ${path}: each key needs "key_identifier" and "key"`);
    }
    try {
      keys.set(entry.key_identifier, createPublicKey(entry.key));
    } catch (error) {
      throw new Error(`SECRET_SCANNING_PUBLIC_KEYS: ${path}: key ${entry.key_identifier}: ${(error as Error).message}`);
    }
  }
  return keys;
}

export interface ReportedToken {
  token: string;
  type: string;
}

export interface TokenLabel {
  token_hash: string;
  token_type: string;
  label: 'true_positive' | 'false_positive';
}

export function verifySignature(
  keys: PublicKeys,
  body: Uint8Array,
  identifier: string | null,
  signature: string | null,
): boolean {
  if (identifier === null || signature === null) return false;
  const key = keys.get(identifier);
  if (key === undefined) return false;
  try {
    return verify('sha256', body, { key, dsaEncoding: 'der' }, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

function parseReport(body: Uint8Array): ReportedToken[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch {
    throw new DessertError('bad_request', { message: 'The body must be a JSON array of {token, type, url, source}.' });
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length > MAX_REPORTED_TOKENS ||
    !parsed.every((item) => typeof item?.token === 'string' && typeof item?.type === 'string')
  ) {
    throw new DessertError('bad_request', {
      message: `The body must be a JSON array of at most ${MAX_REPORTED_TOKENS} {token, type, url, source}.`,
    });
  }
  return parsed as ReportedToken[];
}

/** Verifies, revokes every known key at once, and labels each reported token. */
export function handleSecretScanningReport(
  { keys, keyService }: { keys: PublicKeys; keyService: KeyService },
  body: Uint8Array,
  headers: Headers,
  clientAddress: string | null,
): TokenLabel[] {
  if (
    !verifySignature(
      keys,
      body,
      headers.get('github-public-key-identifier'),
      headers.get('github-public-key-signature'),
    )
  ) {
    throw new DessertError('invalid_signature');
  }
  const report = parseReport(body);
  const { knownHashes } = keyService.revokeLeakedKeys(
    report.map((item) => item.token),
    { type: 'secret_scanning', clientAddress },
  );
  return report.map((item) => {
    const tokenHash = hashApiKey(item.token);
    return {
      token_hash: tokenHash,
      token_type: item.type,
      label: knownHashes.has(tokenHash) ? 'true_positive' : 'false_positive',
    };
  });
}
