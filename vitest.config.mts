/** Unit and integration tests of the core, beside the code; the e2e suite lives in e2e/ (Playwright). */
import path from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    alias: {
      '@': path.resolve(import.meta.dirname),
      // `server-only` throws outside a React server bundle; tests run the server code directly.
      'server-only': path.resolve(import.meta.dirname, 'server/testing/server-only-stub.ts'),
    },
  },
  test: {
    include: ['server/**/*.test.ts', 'scripts/**/*.test.ts', 'app/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
    // Server logs are noise when a test passes and evidence when it fails.
    silent: 'passed-only',
  },
});
