import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The full typecheck matrix has its own command (npm run test:matrix).
    exclude: ['test/matrix/**', 'node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 900_000,
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
