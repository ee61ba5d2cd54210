// GraphQL Code Generator: typed documents for the operations clients of this API write, from
// schema.graphql (printed from the Pothos schema; a test keeps it fresh). `npm run codegen`
// regenerates generated/graphql/; test/codegen.test.ts fails when it is stale. A schema change
// that breaks an operation in examples/ or test/ then fails `npm run typecheck`.

import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'schema.graphql',
  // Operations are written with the generated `graphql()` function in these files.
  documents: ['examples/**/*.ts', 'test/**/*.ts', '!**/generated/**'],
  ignoreNoDocuments: false,
  generates: {
    'generated/graphql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        // Plain strings, not parsed ASTs: sent as they are in a fetch body, no graphql-tag at run time.
        documentMode: 'string',
        useTypeImports: true,
        enumsAsTypes: true,
        strictScalars: true,
        scalars: { DateTime: 'string' },
        emitLegacyCommonJSImports: false,
      },
    },
  },
};

export default config;
