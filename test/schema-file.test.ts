// schema.graphql is printed from the Pothos schema; this fails when the committed file is stale.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { printSchemaFile } from '../src/schema/print.ts';

describe('schema.graphql', () => {
  it('is what `npm run schema:print` prints from the Pothos schema', () => {
    const committed = readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8');
    expect(committed, 'schema.graphql is stale: run `npm run schema:print` and commit it').toBe(printSchemaFile());
  });

  it('carries the fields clients rely on (SPEC §4)', () => {
    const sdl = printSchemaFile();
    for (const line of [
      'balance: Balance!',
      'brands: [Brand!]!',
      'apiKeys: [ApiKey!]!',
      'createApiKey(input: CreateApiKeyInput): CreatedApiKey!',
      'rotateApiKey(input: RotateApiKeyInput!): RotatedApiKey!',
      'revokeApiKey(input: RevokeApiKeyInput!): ApiKey!',
      'amountCents: Int!',
      'preview: String!',
      'status: ApiKeyStatus!',
      'onboardingStatus: BrandOnboardingStatus!',
      'scalar DateTime',
    ]) {
      expect(sdl).toContain(line);
    }
  });
});
