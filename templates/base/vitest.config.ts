// Test runner settings: tests run in Node, one file per worker process, with no network needed.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // The e2e tests spawn dist/ (built by `npm test` first); nothing here reads a committed secret.
  },
});
