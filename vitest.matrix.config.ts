import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/matrix/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 900_000,
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
