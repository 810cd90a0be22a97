import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Boot and conformance tests are CPU-bound; one worker per core keeps them from timing out.
    pool: 'forks',
    testTimeout: 60_000,
  },
});
