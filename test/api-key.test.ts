// The key as a value (src/keys/api-key.ts) and the header parser, including property tests.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseBearerToken } from '../src/auth/authenticate.ts';
import { DessertError } from '../src/errors.ts';
import {
  API_KEY_PATTERN,
  generateApiKey,
  hashApiKey,
  isWellFormedApiKey,
  keyFormatProblem,
  last4,
  previewFromLast4,
} from '../src/keys/api-key.ts';

const hexChar = fc.constantFrom(...'0123456789abcdef');
const wellFormedKey = fc.string({ unit: hexChar, minLength: 40, maxLength: 40 }).map((hex) => `dsrt_live_${hex}`);

function codeOf(header: string | null): string | null {
  try {
    parseBearerToken(header);
    return null;
  } catch (error) {
    expect(error).toBeInstanceOf(DessertError);
    return (error as DessertError).code;
  }
}

describe('generating keys', () => {
  it('makes dsrt_live_ + 40 lowercase hex characters', () => {
    for (let i = 0; i < 200; i += 1) expect(generateApiKey()).toMatch(/^dsrt_live_[0-9a-f]{40}$/);
  });

  it('never repeats itself (160 random bits)', () => {
    const keys = new Set(Array.from({ length: 10_000 }, generateApiKey));
    expect(keys.size).toBe(10_000);
  });

  it('uses every hex digit in every position over many keys (no fixed bits)', () => {
    const seen = Array.from({ length: 40 }, () => new Set<string>());
    for (let i = 0; i < 2000; i += 1) {
      const hex = generateApiKey().slice(10);
      for (let position = 0; position < hex.length; position += 1) seen[position]?.add(hex.charAt(position));
    }
    for (const digits of seen) expect(digits.size).toBe(16);
  });
});

describe('hash, last4 and preview', () => {
  it('hashes the whole key with SHA-256 into lowercase hex', () => {
    // SHA-256 of the ASCII string "dsrt_live_" + 40 zeros, computed independently (sha256sum).
    const key = `dsrt_live_${'0'.repeat(40)}`;
    expect(hashApiKey(key)).toBe('53a6c41e76645fcec2a70e94df7b6d21e46c67ead4ca8ae1d517ffcb10adfd00');
  });

  it('shows the last four characters with an ellipsis', () => {
    const key = `dsrt_live_${'0123456789abcdef'.repeat(2)}01231a30`;
    expect(last4(key)).toBe('1a30');
    expect(previewFromLast4('1a30')).toBe('…1a30');
  });

  it('property: distinct keys have distinct hashes, and a hash never contains its key', () => {
    fc.assert(
      fc.property(wellFormedKey, wellFormedKey, (a, b) => {
        fc.pre(a !== b);
        expect(hashApiKey(a)).not.toBe(hashApiKey(b));
        expect(hashApiKey(a)).not.toContain(a.slice(10));
      }),
    );
  });
});

describe('key format', () => {
  it('property: every well-formed key is accepted', () => {
    fc.assert(
      fc.property(wellFormedKey, (key) => {
        expect(isWellFormedApiKey(key)).toBe(true);
        expect(keyFormatProblem(key)).toBeNull();
      }),
    );
  });

  it('property: any string is accepted exactly when it matches the documented pattern', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          wellFormedKey.map((k) => k.slice(0, 10) + k.slice(11)),
          fc.string().map((s) => `dsrt_live_${s}`),
        ),
        (token) => {
          expect(isWellFormedApiKey(token)).toBe(API_KEY_PATTERN.test(token));
          const problem = keyFormatProblem(token);
          if (!token.startsWith('dsrt_live_')) expect(problem).toBe('wrong_prefix');
          else expect(problem).toBe(API_KEY_PATTERN.test(token) ? null : 'wrong_body');
        },
      ),
    );
  });
});

describe('parsing the Authorization header', () => {
  it('answers the documented code for each kind of header', () => {
    const key = generateApiKey();
    expect(codeOf(null)).toBe('missing_authorization');
    expect(codeOf('')).toBe('missing_authorization');
    expect(codeOf('   ')).toBe('missing_authorization');
    expect(codeOf('Basic abc')).toBe('invalid_authorization_scheme');
    expect(codeOf(key)).toBe('invalid_authorization_scheme');
    expect(codeOf('Bearer')).toBe('invalid_key_format');
    expect(codeOf('Bearer abc')).toBe('invalid_key_format');
    expect(codeOf(`Bearer ${key}`)).toBeNull();
    expect(codeOf(`bearer\t${key}`)).toBeNull();
  });

  it('property: Bearer (any case) + a well-formed key parses back to that key', () => {
    const scheme = fc
      .array(fc.boolean(), { minLength: 6, maxLength: 6 })
      .map((upper) => [...'bearer'].map((c, i) => (upper[i] ? c.toUpperCase() : c)).join(''));
    fc.assert(
      fc.property(scheme, fc.integer({ min: 1, max: 5 }), wellFormedKey, (s, spaces, key) => {
        expect(parseBearerToken(`${s}${' '.repeat(spaces)}${key}`)).toBe(key);
      }),
    );
  });

  it('property: any header either parses to a well-formed key or fails with one of the three header codes', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string().map((s) => `Bearer ${s}`),
          fc.string().map((s) => `Bearer dsrt_live_${s}`),
        ),
        (header) => {
          const code = codeOf(header);
          if (code === null) expect(API_KEY_PATTERN.test(parseBearerToken(header))).toBe(true);
          else expect(['missing_authorization', 'invalid_authorization_scheme', 'invalid_key_format']).toContain(code);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
