/** The tmp/ sweep: a dead server's scratch files go, a live process's and the bees' files stay. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTempHive } from '../testing/temp-hive';
import { processAlive } from './processes';
import { sweepTmp } from './atomic-write';

/** The pid of a process that has run and been reaped: nobody has it now. */
function deadPid(): number {
  const { pid } = spawnSync(process.execPath, ['-e', '']);
  if (!pid || processAlive(pid)) throw new Error('expected the child to be gone');
  return pid;
}

/** A process that stays alive until the test ends. */
function livingProcess(): ChildProcess {
  return spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
}

/** Every file a server (or a bee) might leave in tmp/, named as each writes them. */
function leftovers(dead: number, live: number) {
  return {
    // What the sweep must remove: the server's own pattern, written by a process that is gone.
    removed: [`${dead}.1.0a1b2c3d.tmp`, `${dead}.42.ffffffff.tmp`],
    kept: [
      `${live}.7.0a1b2c3d.tmp`, // a server that is still writing
      `${process.pid}.3.0a1b2c3d.tmp`, // this very process
      `bee.${dead}.0a1b2c3d.json`, // a bee's status rewrite (scripts/bee/task-status.ts)
      'response-6f1c0e9a-3b6f-4d5e-9a8b-1c2d3e4f5a6b.part', // a bee's response in the making
      `${dead}.1.0A1B2C3D.tmp`, // not the server's pattern (upper-case hex)
      `${dead}.1.0a1b2c3d.tmp.part`, // not the server's pattern (suffix)
      `x${dead}.1.0a1b2c3d.tmp`, // not the server's pattern (prefix)
    ],
  };
}

describe('sweepTmp', () => {
  let dir: string;
  let live: ChildProcess;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sweep-'));
    live = livingProcess();
  });
  afterEach(async () => {
    live.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it("removes scratch files of a dead process and leaves a live process's and the bees' files alone", async () => {
    const files = leftovers(deadPid(), live.pid!);
    for (const name of [...files.removed, ...files.kept]) await writeFile(path.join(dir, name), 'partial');

    expect(await sweepTmp(dir)).toBe(files.removed.length);
    expect((await readdir(dir)).sort()).toEqual([...files.kept].sort());
  });
});

describe('opening a hive', () => {
  it('sweeps the scratch files a dead server left in tmp/, and nothing else', async () => {
    const first = await openTempHive();
    const { root, tmp } = first.paths;
    await first.close();
    const live = livingProcess();
    try {
      const files = leftovers(deadPid(), live.pid!);
      for (const name of [...files.removed, ...files.kept]) await writeFile(path.join(tmp, name), 'partial');

      const second = await openTempHive({ root });
      try {
        expect((await readdir(tmp)).sort()).toEqual([...files.kept].sort());
      } finally {
        await second.cleanup();
      }
    } finally {
      live.kill('SIGKILL');
    }
  });
});
