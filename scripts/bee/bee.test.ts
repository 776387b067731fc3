import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunTaskInputSchema, type TaskFile } from '../../server/contracts/task';
import { ensureHiveDirs, hivePaths, type HivePaths } from '../../server/core/hive-paths';
import { writeTask } from '../../server/core/task-files';
import { eventually, openTempHive } from '../../server/testing/temp-hive';
import { Bee } from './bee';
import { builtinHandler, execHandler, type Handler } from './handlers';
import { taskFile as task } from '../../server/testing/tasks';

const run = promisify(execFile);
const BEE_ENTRY = path.resolve(import.meta.dirname, '..', 'bee.ts');

let root: string;
let paths: HivePaths;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'bee-test-'));
  paths = hivePaths(root);
  await ensureHiveDirs(paths);
});
afterEach(() => rm(root, { recursive: true, force: true }));

async function dispatchFiles(count: number, overrides: Partial<TaskFile> = {}): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, i) => `TASK-${String(i).padStart(3, '0')}`);
  for (const id of ids) await writeTask(paths, task(id, overrides), new Date());
  return ids;
}

async function runBee(handler: Handler, name = 'BEE-001'): Promise<Bee> {
  const bee = new Bee({ root, botId: 'BEE-001', name, handlerFor: () => handler, rescanMs: 100 });
  await bee.start();
  await bee.drained();
  await bee.stop();
  return bee;
}

const responses = () => readdir(paths.responses);
const taskStatus = async (id: string) => {
  const [file] = (await readdir(path.join(paths.tasks, 'BEE-001'))).filter((f) => f.endsWith(`-${id}.json`));
  return (JSON.parse(await readFile(path.join(paths.tasks, 'BEE-001', file!), 'utf8')) as TaskFile).status;
};

describe('the reference bee', () => {
  it('claims each task, marks it in_progress and answers with a useful Markdown response', async () => {
    await dispatchFiles(3);
    const bee = await runBee(builtinHandler('BEE-001'));
    expect(bee.counts).toEqual({ answered: 3, failed: 0, skipped: 0, cancelled: 0, released: 0 });
    expect((await readdir(paths.claims)).sort()).toEqual(['TASK-000', 'TASK-001', 'TASK-002']);
    expect(await taskStatus('TASK-001')).toBe('in_progress');
    const answer = await readFile(path.join(paths.responses, 'BEE-001-RESPONSE-TASK-001.md'), 'utf8');
    expect(answer).toContain('# Task TASK-001');
    expect(answer).toContain('terminal / cli / task_file');
    expect(answer).toContain('## Plan');
  });

  it('two competing bee processes answer 100 tasks exactly once between them', async () => {
    const ids = await dispatchFiles(100);
    const bee = (name: string) =>
      run(process.execPath, ['--import', 'tsx', BEE_ENTRY, '--once', '--root', root, '--name', name], {
        timeout: 60_000,
      });
    const [a, b] = await Promise.all([bee('bee-a'), bee('bee-b')]);
    const done = (out: string) => JSON.parse(/done: (\{.*\})/.exec(out)![1]!) as Record<string, number>;
    expect(done(a.stdout).answered! + done(b.stdout).answered!).toBe(100);
    expect((await responses()).sort()).toEqual(ids.map((id) => `BEE-001-RESPONSE-${id}.md`));
    const claimants = await Promise.all(
      ids.map(async (id) => (JSON.parse(await readFile(path.join(paths.claims, id), 'utf8')) as { bee: string }).bee),
    );
    // Who won how many depends on which process started first; that each task has one owner does not.
    expect(claimants.every((c) => c === 'bee-a' || c === 'bee-b')).toBe(true);
  });

  it('runs --exec commands with the task JSON on stdin and takes stdout as the response', async () => {
    await dispatchFiles(1);
    await runBee(
      execHandler(
        `node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>console.log('# echo', JSON.parse(s).title))"`,
        10_000,
      ),
    );
    expect(await readFile(path.join(paths.responses, 'BEE-001-RESPONSE-TASK-000.md'), 'utf8')).toBe(
      '# echo Task TASK-000\n',
    );
  });

  it('answers a failing command with a report and leaves the task blocked', async () => {
    await dispatchFiles(1);
    const bee = await runBee(execHandler('echo "disk on fire" >&2; exit 3', 10_000));
    expect(bee.counts.failed).toBe(1);
    const report = await readFile(path.join(paths.responses, 'BEE-001-RESPONSE-TASK-000.md'), 'utf8');
    expect(report).toContain('exited with code 3');
    expect(report).toContain('disk on fire');
    expect(await taskStatus('TASK-000')).toBe('blocked');
  });

  it('kills a command that runs past its timeout, and says so', async () => {
    await dispatchFiles(1);
    const started = Date.now();
    await runBee(execHandler('sleep 30', 300));
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await readFile(path.join(paths.responses, 'BEE-001-RESPONSE-TASK-000.md'), 'utf8')).toContain(
      'timed out after 0.3 s',
    );
    expect(await taskStatus('TASK-000')).toBe('blocked');
  });

  it('does not redo answered work after a restart, and resumes its own unfinished claim', async () => {
    await dispatchFiles(2);
    const calls: string[] = [];
    const counting: Handler = (t) => {
      calls.push(t.task_id);
      return { ok: true, markdown: `done ${t.task_id}` };
    };
    await runBee(counting);
    expect(calls).toEqual(['TASK-000', 'TASK-001']);

    // A claim left by a bee of the same name whose process is gone: unfinished work.
    await writeTask(paths, task('TASK-ORPHAN'), new Date());
    const { writeFile } = await import('node:fs/promises');
    await writeFile(
      path.join(paths.claims, 'TASK-ORPHAN'),
      JSON.stringify({ bot_id: 'BEE-001', bee: 'BEE-001', host: os.hostname(), pid: 2 ** 22 + 12345, claimed_at: '' }),
    );
    await runBee(counting);
    expect(calls).toEqual(['TASK-000', 'TASK-001', 'TASK-ORPHAN']);
  });
});

describe('the reference bee with a hive', () => {
  it('leaves a timeline that tells each step once, in order', async () => {
    const hive = await openTempHive({ root });
    const bee = new Bee({ root, botId: 'BEE-001', name: 'BEE-001', handlerFor: () => builtinHandler('BEE-001') });
    try {
      await bee.start();
      const ids: string[] = [];
      for (let i = 0; i < 20; i++) {
        const { task_id } = await hive.executor.execute(
          RunTaskInputSchema.parse({ intent: 'code', title: `Task ${i}`, summary: 's' }),
        );
        ids.push(task_id);
      }
      for (const id of ids) {
        // Archiving is the last step the hive takes for a task.
        await eventually(() => hive.ledger.forTask(id).some((e) => e.event_type === 'task_archived'), 10_000);
        expect(hive.ledger.forTask(id).map((e) => e.event_type)).toEqual([
          'task_execution_started',
          'task_routed',
          'task_dispatched',
          'task_claimed',
          'task_status_changed',
          'task_completed',
          'task_archived',
        ]);
      }
    } finally {
      await bee.stop();
      await hive.close();
    }
  });
});
