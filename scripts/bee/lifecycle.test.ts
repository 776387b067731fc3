/**
 * The bee's life beside its work, against real files and real child processes: its presence
 * file and heartbeat, a cancel that ends the whole command, a stop that gives the task back,
 * and a second look at a task whose claim another bee released.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BeePresenceSchema } from '../../server/contracts/bee';
import type { TaskFile } from '../../server/contracts/task';
import { ensureHiveDirs, hivePaths, type HivePaths } from '../../server/core/hive-paths';
import { writeTask } from '../../server/core/task-files';
import { eventually } from '../../server/testing/temp-hive';
import { taskFile as task } from '../../server/testing/tasks';
import { Bee, type BeeOptions } from './bee';
import { builtinHandler, execHandler, type Handler } from './handlers';

const BEE_ENTRY = path.resolve(import.meta.dirname, '..', 'bee.ts');
/** A command whose shell and a child of it record their pids, then wait forever. */
const groupCommand = (pidFile: string, prefix = '') =>
  `${prefix}echo $$ > '${pidFile}'; sleep 600 & echo $! >> '${pidFile}'; wait`;

let root: string;
let paths: HivePaths;
let pidFile: string;
const bees: Bee[] = [];
const children: ChildProcess[] = [];
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'bee-life-'));
  paths = hivePaths(root);
  pidFile = path.join(root, 'pids');
  await ensureHiveDirs(paths);
  // The server's folders for bees (a bee makes them too, but the tests write into them first).
  for (const dir of [paths.bees, paths.cancels]) await mkdir(dir, { recursive: true });
});
afterEach(async () => {
  // A failed test must not leave a `sleep 600` behind.
  await Promise.all(bees.splice(0).map((bee) => bee.stopNow()));
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const pid of await readPids()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  await rm(root, { recursive: true, force: true });
});

function startBee(handler: Handler, options: Partial<BeeOptions> = {}): Promise<Bee> {
  const bee = new Bee({ root, botId: 'BEE-001', name: 'BEE-001', handlerFor: () => handler, ...options });
  bees.push(bee);
  return bee.start().then(() => bee);
}

async function readPids(): Promise<number[]> {
  const text = await readFile(pidFile, 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).map(Number);
}

/** Both pids of `groupCommand`, once it has written them. */
const commandPids = (timeoutMs = 5000): Promise<number[]> =>
  eventually(async () => {
    const pids = await readPids();
    return pids.length === 2 ? pids : null;
  }, timeoutMs);

/**
 * kill(pid, 0), except that a zombie is not running: a child orphaned by the command's shell
 * is reparented to init, and a container's init may never reap it.
 */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return process.platform !== 'linux';
  }
}

const exists = (file: string) =>
  lstat(file).then(
    () => true,
    () => false,
  );
const taskStatus = async (id: string) => {
  const dir = path.join(paths.tasks, 'BEE-001');
  const [file] = (await readdir(dir)).filter((f) => f.endsWith(`-${id}.json`));
  return (JSON.parse(await readFile(path.join(dir, file!), 'utf8')) as TaskFile).status;
};
const readPresence = async (name: string) => {
  const raw = JSON.parse(await readFile(path.join(paths.bees, `${name}.json`), 'utf8')) as Record<string, unknown>;
  expect(Object.keys(raw).sort()).toEqual(['bee', 'bots', 'current_task', 'heartbeat_at', 'host', 'pid', 'started_at']);
  return BeePresenceSchema.parse(raw);
};

describe('presence', () => {
  it('announces the bee in bees/{name}.json, heartbeats while a command runs, names the task in hand, and leaves on a clean stop', async () => {
    const go = path.join(root, 'go');
    const bee = await startBee(execHandler(`until [ -e '${go}' ]; do sleep 0.05; done; echo '# done'`, 60_000), {
      name: 'bee-p',
      heartbeatMs: 100,
    });
    const first = await readPresence('bee-p');
    expect(first).toMatchObject({
      bee: 'bee-p',
      bots: ['BEE-001'],
      host: os.hostname(),
      pid: process.pid,
      current_task: null,
    });

    await writeTask(paths, task('TASK-000'), new Date());
    const working = await eventually(async () => {
      const now = await readPresence('bee-p');
      return now.current_task === 'TASK-000' ? now : null;
    });
    const later = await eventually(async () => {
      const now = await readPresence('bee-p');
      return now.heartbeat_at > working.heartbeat_at ? now : null;
    });
    // Still the same command in hand: it waits for `go`, which does not exist yet.
    expect(later).toMatchObject({ started_at: first.started_at, current_task: 'TASK-000' });
    expect(await exists(path.join(paths.responses, 'BEE-001-RESPONSE-TASK-000.md'))).toBe(false);

    await writeFile(go, '');
    await eventually(() => exists(path.join(paths.responses, 'BEE-001-RESPONSE-TASK-000.md')));
    await eventually(async () => (await readPresence('bee-p')).current_task === null);
    await bee.stop();
    expect(await exists(path.join(paths.bees, 'bee-p.json'))).toBe(false);
  });
});

describe('cancel', () => {
  it.each([
    ['a command', ''],
    ['a command that ignores SIGTERM', "trap '' TERM; "],
  ])(
    'cancels/{id} ends %s and its children within 2 s; the task is cancelled, with no response',
    async (_what, prefix) => {
      await writeTask(paths, task('TASK-000'), new Date());
      // No re-scan during the test: the watch on cancels/ has to see it.
      const bee = await startBee(execHandler(groupCommand(pidFile, prefix), 60_000), { rescanMs: 60_000 });
      const pids = await commandPids();
      expect(pids.every(running)).toBe(true);
      expect(await taskStatus('TASK-000')).toBe('in_progress');

      await writeFile(
        path.join(paths.cancels, 'TASK-000'),
        JSON.stringify({ task_id: 'TASK-000', reason: 'not needed', requested_at: new Date().toISOString() }),
      );
      await eventually(() => !pids.some(running), 2000);
      // The task is over for the bee (the positive control for "no response").
      await bee.drained();
      expect(await taskStatus('TASK-000')).toBe('cancelled');
      expect(await readdir(paths.responses)).toEqual([]);
      expect(bee.counts).toMatchObject({ cancelled: 1, answered: 0, failed: 0 });
    },
  );

  it('does not start a task whose cancel is already there (a claim it resumes), and acknowledges it', async () => {
    await writeTask(paths, task('TASK-000'), new Date());
    await writeTask(paths, task('TASK-001'), new Date());
    // Its own claim from a run whose process is gone, and the server's cancel since.
    await writeFile(
      path.join(paths.claims, 'TASK-000'),
      JSON.stringify({ bot_id: 'BEE-001', bee: 'BEE-001', host: os.hostname(), pid: 2 ** 22 + 12345, claimed_at: '' }),
    );
    await writeFile(path.join(paths.cancels, 'TASK-000'), '{}');
    const ran: string[] = [];
    const bee = await startBee((t, signal) => {
      ran.push(t.task_id);
      return builtinHandler('BEE-001')(t, signal);
    });
    await bee.drained();
    expect(ran).toEqual(['TASK-001']);
    expect(await taskStatus('TASK-000')).toBe('cancelled');
    expect(await readdir(paths.responses)).toEqual(['BEE-001-RESPONSE-TASK-001.md']);
    expect(bee.counts).toMatchObject({ cancelled: 1, answered: 1 });
  });
});

describe('the re-scan, when file events are lost', () => {
  it('still finds a cancel of the task in hand', async () => {
    await writeTask(paths, task('TASK-000'), new Date());
    const bee = await startBee(execHandler(groupCommand(pidFile), 60_000), { watch: false, rescanMs: 100 });
    const pids = await commandPids();
    await writeFile(path.join(paths.cancels, 'TASK-000'), '');
    await eventually(() => !pids.some(running), 2000);
    await bee.drained();
    expect(await taskStatus('TASK-000')).toBe('cancelled');
    expect(await readdir(paths.responses)).toEqual([]);
  });

  it('still looks again at a task whose claim was released', async () => {
    await writeTask(paths, task('TASK-000'), new Date());
    const claim = path.join(paths.claims, 'TASK-000');
    await writeFile(claim, 'BEE-001 other-bee\n');
    const bee = await startBee(builtinHandler('BEE-001'), { watch: false, rescanMs: 100 });
    await bee.drained();
    expect(bee.counts).toMatchObject({ skipped: 1, answered: 0 });
    await unlink(claim);
    await eventually(() => exists(path.join(paths.responses, 'BEE-001-RESPONSE-TASK-000.md')));
  });
});

describe('stop', () => {
  it('a second SIGTERM ends the command and its children, gives the task back (status active, claim gone), removes the presence file and exits', async () => {
    await writeTask(paths, task('TASK-000'), new Date());
    const args = ['--import', 'tsx', BEE_ENTRY, '--root', root, '--name', 'bee-s', '--exec', groupCommand(pidFile)];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

    const pids = await commandPids(15_000);
    await eventually(async () => (await readPresence('bee-s')).current_task === 'TASK-000');
    expect(await exists(path.join(paths.claims, 'TASK-000'))).toBe(true);

    child.kill('SIGTERM');
    await eventually(() => output.includes('SIGTERM: stopping after the task in hand (TASK-000)'));
    // The first signal lets the task in hand finish.
    expect(pids.every(running)).toBe(true);

    child.kill('SIGTERM');
    expect(await exited, output).toEqual({ code: 0, signal: null });
    await eventually(() => !pids.some(running), 2000);
    expect(await exists(path.join(paths.claims, 'TASK-000'))).toBe(false);
    expect(await taskStatus('TASK-000')).toBe('active');
    expect(await exists(path.join(paths.bees, 'bee-s.json'))).toBe(false);
    expect(await readdir(paths.responses)).toEqual([]);
    expect(output).toContain('released TASK-000');
  });
});

describe('re-look', () => {
  it("answers a task another bee held once that bee's claim file is deleted", async () => {
    await writeTask(paths, task('TASK-000'), new Date());
    await writeTask(paths, task('TASK-001'), new Date());
    const claim = path.join(paths.claims, 'TASK-000');
    const other = { bot_id: 'BEE-001', bee: 'other-bee', host: os.hostname(), pid: process.pid, claimed_at: '' };
    await writeFile(claim, JSON.stringify(other));
    // No re-scan during the test: the watch on claims/ has to see the claim go.
    const bee = await startBee(builtinHandler('BEE-001'), { rescanMs: 60_000 });
    await bee.drained();
    expect(await readdir(paths.responses)).toEqual(['BEE-001-RESPONSE-TASK-001.md']);

    await unlink(claim);
    await eventually(() => exists(path.join(paths.responses, 'BEE-001-RESPONSE-TASK-000.md')));
    expect(JSON.parse(await readFile(claim, 'utf8'))).toMatchObject({ bee: 'BEE-001', pid: process.pid });
    expect(bee.counts).toMatchObject({ answered: 2 });
  });
});
