/** Removes the run's temporary hives (see HIVE_TEST_TMP in playwright.config.ts). */
import { rm } from 'node:fs/promises';

export default async function globalTeardown(): Promise<void> {
  const dir = process.env.HIVE_TEST_TMP;
  if (dir && dir.includes('hive-control-e2e-')) await rm(dir, { recursive: true, force: true });
}
