import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Tests that spawn servers and the CLI share two cores: keep the fan-out modest.
    maxWorkers: 2,
  },
});
