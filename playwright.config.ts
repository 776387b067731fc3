/**
 * End-to-end tests against the production build (`npm run build` first). API specs start
 * their own servers on free ports against temporary hives, so they can restart and kill them.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './scripts/lib/chromium';

// Every temporary hive of this run lives here (workers inherit it); the teardown removes it.
process.env.HIVE_TEST_TMP ??= mkdtempSync(path.join(os.tmpdir(), 'hive-control-e2e-'));

export default defineConfig({
  testDir: 'e2e',
  globalTeardown: './e2e/support/global-teardown.ts',
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: 2,
  timeout: 60_000,
  reporter: process.env.CI ? [['list'], ['html', { open: 'never' }]] : 'list',
  use: {
    trace: 'retain-on-failure',
    video: 'off',
    launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS },
  },
  projects: [
    { name: 'api', testDir: 'e2e/api' },
    { name: 'ui', testDir: 'e2e/ui' },
    // Generated hostile input and hostile files in the hive (fast-check).
    { name: 'hostile', testDir: 'e2e/hostile' },
    // Two servers on one PostgreSQL, one of them SIGKILLed mid-storm.
    { name: 'postgres', testDir: 'e2e/postgres' },
    // Opt-in (npm run test:stress): mounts a tmpfs, SIGKILLs servers, wants the whole machine.
    ...(process.env.HIVE_STRESS ? [{ name: 'stress', testDir: 'e2e/stress', workers: 1, timeout: 180_000 }] : []),
  ],
});
