/** A hive in a fresh temporary HIVE_ROOT for tests, opened through the real Hive.open. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Hive, type HiveOptions } from '../core/hive';

export async function tempRoot(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'hive-test-'));
}

export async function openTempHive(options: Partial<HiveOptions> = {}): Promise<Hive & { cleanup(): Promise<void> }> {
  const root = options.root ?? (await tempRoot());
  const hive = await Hive.open({ pollMs: 60_000, ...options, root });
  return Object.assign(hive, {
    async cleanup() {
      await hive.close();
      await rm(root, { recursive: true, force: true });
    },
  });
}

/** Resolves when `check` returns a truthy value; for state that changes on file events. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 5000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
