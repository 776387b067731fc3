/**
 * End-to-end tests against the production build (`npm run build` first). API specs start
 * their own servers on free ports against temporary hives, so they can restart and kill them.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defineConfig } from '@playwright/test';
import type { Store } from './e2e/support/store';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './scripts/lib/chromium';

// Every temporary hive of this run lives here (workers inherit it); the teardown removes it.
process.env.HIVE_TEST_TMP ??= mkdtempSync(path.join(os.tmpdir(), 'hive-control-e2e-'));

export default defineConfig<object, { store: Store }>({
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
    // The same suites with the servers on PostgreSQL (HIVE_DATABASE_URL, a database per server);
    // what only the file store has is skipped there, each with its reason.
    { name: 'api-pg', testDir: 'e2e/api', use: { store: 'postgres' } },
    {
      name: 'ui-pg',
      testDir: 'e2e/ui',
      use: { store: 'postgres' },
      // Left to the ui project: sign-in, keyboard, explain, downloads, list paging, pause and the stream across a
      // restart are the same pages over the same API whichever store answers (api-pg and hostile-pg make those
      // calls on Postgres: access, actions' pause, cli-watch across a restart, tasks.list).
      testIgnore: ['access.spec.ts', 'list-tools.spec.ts', 'task-list.spec.ts', 'bots.spec.ts', 'live-resume.spec.ts'],
    },
    { name: 'hostile-pg', testDir: 'e2e/hostile', use: { store: 'postgres' } },
    // Two servers on one PostgreSQL, one of them SIGKILLed mid-storm.
    { name: 'postgres', testDir: 'e2e/postgres' },
    // Opt-in (npm run test:stress): mounts a tmpfs, SIGKILLs servers, wants the whole machine.
    ...(process.env.HIVE_STRESS ? [{ name: 'stress', testDir: 'e2e/stress', workers: 1, timeout: 180_000 }] : []),
  ],
});
