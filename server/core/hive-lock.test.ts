/** One server per hive: a second open of the same root is refused while the first lives, and not a moment longer. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openTempHive, tempRoot } from '../testing/temp-hive';
import { Hive } from './hive';

const PROJECT = path.resolve(import.meta.dirname, '..', '..');

/** Another process holding a hive on `root`, as a second server would; resolves once it is open. */
async function holdInAnotherProcess(root: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '-e',
      `require('./server/core/hive.ts').Hive.open({ root: ${JSON.stringify(root)} }).then(() => { console.log('open'); setInterval(() => {}, 60_000); })`,
    ],
    { cwd: PROJECT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => d.toString().includes('open') && resolve());
    child.once('exit', (code) => reject(new Error(`the holder exited with ${code} before opening the hive`)));
  });
  return child;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

describe('the hive lock', () => {
  it('refuses a second hive on the same root, naming the process that holds it', async () => {
    const first = await openTempHive();
    try {
      const refused = await Hive.open({ root: first.paths.root }).catch((err: unknown) => err);
      expect(refused).toMatchObject({ code: 'CONFLICT' });
      expect((refused as Error).message).toContain(`process ${process.pid} on `);
      // The refused open changed nothing: the first hive still works.
      await first.executor.execute({
        intent: 'code',
        title: 't',
        summary: 's',
        bot_id: 'BEE-001',
        kb_entities: [],
        wait_for_response: false,
        timeout_seconds: 1,
      });
    } finally {
      await first.cleanup();
    }
  });

  it('is held by another process until that process is killed, then the hive opens at once', async () => {
    const root = await tempRoot();
    const holder = await holdInAnotherProcess(root);
    children.push(holder);
    await expect(Hive.open({ root })).rejects.toThrow(`process ${holder.pid} on `);

    holder.kill('SIGKILL');
    await new Promise((resolve) => holder.once('exit', resolve));
    const hive = await openTempHive({ root });
    await hive.cleanup();
  });

  it('is given back on close', async () => {
    const first = await openTempHive();
    await first.close();
    const second = await openTempHive({ root: first.paths.root });
    await second.cleanup();
  });
});
