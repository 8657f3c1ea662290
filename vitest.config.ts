import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 600_000,
    reporters: ['default', './test/support/summary-reporter.ts'],
    // The end-to-end test installs a project with npm: keep files apart so it runs beside unit tests.
    fileParallelism: true,
  },
});
