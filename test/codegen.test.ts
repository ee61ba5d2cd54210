// The generated typed documents (generated/graphql/) match schema.graphql and the operations in
// examples/ and test/: regenerating in memory changes nothing. When this fails, run
// `npm run codegen` and commit the result.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generate } from '@graphql-codegen/cli';
import { describe, expect, it } from 'vitest';
import config from '../codegen.ts';
import { ROOT } from './support/processes.ts';

describe('GraphQL Code Generator output', () => {
  it('is up to date (npm run codegen)', async () => {
    const outputs = await generate({ ...config, cwd: ROOT, silent: true }, false);
    expect(outputs.length).toBeGreaterThanOrEqual(3);
    for (const { filename, content } of outputs) {
      const onDisk = readFileSync(join(ROOT, filename.replace(`${ROOT}/`, '')), 'utf8');
      expect(onDisk, `${filename} is stale: run npm run codegen`).toBe(content);
    }
  });
});
