import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // graphql 16 ships CJS (index.js, what Node and Yoga load) and ESM (index.mjs, what Vite would
    // pick): two copies break `instanceof GraphQLError`. Tests load the one Node loads.
    alias: [
      { find: /^graphql$/, replacement: fileURLToPath(new URL('./node_modules/graphql/index.js', import.meta.url)) },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Tests that spawn servers and the CLI share two cores: keep the fan-out modest.
    maxWorkers: 2,
  },
});
