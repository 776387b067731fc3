import { mkdir, readdir, readFile, rename, symlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunTaskInputSchema } from '../contracts/task';
import { openTempHive, eventually } from '../testing/temp-hive';
import { HiveError } from './errors';
import type { Hive } from './hive';
import { runInput as task } from '../testing/tasks';

type TempHive = Awaited<ReturnType<typeof openTempHive>>;

/** Writes a response the way a well-behaved bee does: whole, in tmp/, then renamed into place. */
async function respond(hive: Hive, name: string, content: string) {
  const tmp = path.join(hive.paths.tmp, `${name}.part`);
  await writeFile(tmp, content);
  await rename(tmp, path.join(hive.paths.responses, name));
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

describe('Executor.execute', () => {
  let hive: TempHive;
  beforeEach(async () => (hive = await openTempHive()));
  afterEach(() => hive.cleanup());

  it('routes the task, writes its file and records started → routed → dispatched', async () => {
    const result = await hive.executor.execute(task({ task_id: 'TASK-1' }));
    expect(result).toMatchObject({
      status: 'dispatched',
      task_id: 'TASK-1',
      bot_id: 'BEE-001',
      lane: 'terminal',
      provider: 'cli',
      delivery_mode: 'task_file',
      routing: { rule: 'code', source: 'default' },
    });
    expect(result.task_path).toMatch(/^\.deia\/hive\/tasks\/BEE-001\/\d{8}T\d{9}Z-TASK-1\.json$/);

    const written = await readFile(path.join(hive.paths.root, result.task_path), 'utf8');
    const onDisk = JSON.parse(written) as Record<string, unknown>;
    expect(onDisk).toMatchObject({ task_id: 'TASK-1', status: 'active', lane: 'terminal', kb_entities: [] });
    expect(onDisk.created_at).toMatch(/Z$/);
    expect(hive.ledger.forTask('TASK-1').map((e) => e.event_type)).toEqual([
      'task_execution_started',
      'task_routed',
      'task_dispatched',
    ]);
    expect(hive.ledger.forTask('TASK-1')[1]!.data).toMatchObject({ rule: 'code', source: 'default' });
  });

  it('generates distinct ids for concurrent dispatches', async () => {
    const results = await Promise.all(Array.from({ length: 200 }, () => hive.executor.execute(task())));
    expect(new Set(results.map((r) => r.task_id)).size).toBe(200);
    expect(await filesUnder(hive.paths.tasks)).toHaveLength(200);
  });

  it('refuses a second dispatch with the same task_id and changes nothing on disk', async () => {
    await hive.executor.execute(task({ task_id: 'TASK-1' }));
    const before = await filesUnder(hive.paths.hive);
    const eventsBefore = hive.ledger.lastId();

    const again = hive.executor.execute(task({ task_id: 'TASK-1', title: 'other' }));
    await expect(again).rejects.toSatisfy((err) => HiveError.is(err) && err.code === 'CONFLICT');
    expect(await filesUnder(hive.paths.hive)).toEqual(before);
    expect(hive.ledger.lastId()).toBe(eventsBefore);
  });

  it('refuses concurrent dispatches of one task_id: exactly one wins', async () => {
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, () => hive.executor.execute(task({ task_id: 'TASK-RACE' }))),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(await filesUnder(hive.paths.tasks)).toHaveLength(1);
  });
});

describe('responses', () => {
  let hive: TempHive;
  beforeEach(async () => (hive = await openTempHive()));
  afterEach(() => hive.cleanup());

  it('wakes a waiting dispatch when the response file lands, and records task_completed', async () => {
    const waiting = hive.executor.execute(task({ task_id: 'TASK-9', wait_for_response: true, timeout_seconds: 30 }));
    await eventually(() => hive.tasks.has('TASK-9'));
    await respond(hive, 'BEE-001-RESPONSE-TASK-9-hello.md', '# Done\nhello.py written');

    const result = await waiting;
    expect(result.response).toEqual({
      status: 'completed',
      response_path: '.deia/hive/responses/BEE-001-RESPONSE-TASK-9-hello.md',
      content: '# Done\nhello.py written',
    });
    await eventually(() => hive.ledger.forTask('TASK-9').some((e) => e.event_type === 'task_archived'));
    expect(hive.ledger.forTask('TASK-9').map((e) => e.event_type)).toEqual([
      'task_execution_started',
      'task_routed',
      'task_dispatched',
      'task_completed',
      'task_archived',
    ]);
  });

  it('times out with a timeout outcome and a task_timeout event', async () => {
    const outcome = await hive.executor.waitForResponse('TASK-NONE', 50);
    expect(outcome).toEqual({ status: 'timeout', task_id: 'TASK-NONE' });
    expect(hive.ledger.forTask('TASK-NONE').map((e) => e.event_type)).toEqual(['task_timeout']);
  });

  it('frees a wait whose client went away', async () => {
    const controller = new AbortController();
    const wait = hive.executor.waitForResponse('TASK-X', 60_000, controller.signal);
    expect(hive.waiters.pending).toBe(1);
    controller.abort();
    await wait;
    expect(hive.waiters.pending).toBe(0);
  });

  it('ignores TASK-10 responses when looking for TASK-1, and the newest match wins', async () => {
    await hive.executor.execute(task({ task_id: 'TASK-1' }));
    await respond(hive, 'TASK-10.md', 'not mine');
    await eventually(() => hive.responses.has('TASK-10.md'));
    expect((await hive.executor.status('TASK-1')).status).toBe('active');

    await respond(hive, 'old-TASK-1.md', 'first');
    // Older by its mtime, whatever the file system's clock granularity.
    const past = new Date(Date.now() - 60_000);
    await utimes(path.join(hive.paths.responses, 'old-TASK-1.md'), past, past);
    await eventually(() => hive.responses.has('old-TASK-1.md'));
    await respond(hive, 'new-TASK-1.md', 'second');
    await eventually(async () => (await hive.executor.status('TASK-1')).status === 'completed');
    await eventually(async () => {
      const status = await hive.executor.status('TASK-1');
      return 'content' in status && status.content === 'second';
    });
    expect(hive.ledger.forTask('TASK-1').filter((e) => e.event_type === 'task_completed')).toHaveLength(1);
  });

  it('keeps the preview to 1000 characters, counting characters rather than bytes', async () => {
    await hive.executor.execute(task({ task_id: 'TASK-BIG' }));
    await respond(hive, 'TASK-BIG.md', '🐝'.repeat(5000));
    const status = await eventually(async () => {
      const s = await hive.executor.status('TASK-BIG');
      return s.status === 'completed' ? s : null;
    });
    expect('content' in status && Array.from(status.content)).toHaveLength(1000);
  });

  it('ignores symlinks and directories in responses/', async () => {
    await hive.executor.execute(task({ task_id: 'TASK-S' }));
    const secret = path.join(hive.paths.root, 'secret.txt');
    await writeFile(secret, 'outside the hive');
    await symlink(secret, path.join(hive.paths.responses, 'TASK-S-link.md'));
    await mkdir(path.join(hive.paths.responses, 'TASK-S-dir.md'));
    await respond(hive, 'unrelated.md', 'x');
    await eventually(() => hive.responses.has('unrelated.md'));
    expect((await hive.executor.status('TASK-S')).status).toBe('active');
    expect(hive.ledger.isCompleted('TASK-S')).toBe(false);
  });
});

describe('status', () => {
  let hive: TempHive;
  beforeEach(async () => (hive = await openTempHive()));
  afterEach(() => hive.cleanup());

  it('reads the status a bee wrote back into the task file', async () => {
    const { task_path } = await hive.executor.execute(task({ task_id: 'TASK-2' }));
    const file = path.join(hive.paths.root, task_path);
    const body = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    await writeFile(`${file}.tmp`, JSON.stringify({ ...body, status: 'in_progress' }));
    await rename(`${file}.tmp`, file);
    expect(await hive.executor.status('TASK-2')).toMatchObject({ status: 'in_progress', task: { task_id: 'TASK-2' } });
  });

  it('says not_found for an unknown id', async () => {
    expect(await hive.executor.status('TASK-404')).toEqual({ status: 'not_found', task_id: 'TASK-404' });
  });

  it('reports a task file a bee corrupted without failing', async () => {
    const { task_path } = await hive.executor.execute(task({ task_id: 'TASK-3' }));
    await writeFile(path.join(hive.paths.root, task_path), '{"half": ');
    expect(await hive.executor.status('TASK-3')).toMatchObject({
      status: 'unreadable',
      // An asymmetric matcher is typed `any` so it fits anywhere; here it stands for the warning string.
      warning: expect.stringMatching(/not valid JSON/) as string,
    });
  });

  it('finds archived tasks', async () => {
    await hive.executor.execute(task({ task_id: 'TASK-4' }));
    await respond(hive, 'TASK-4.md', 'done');
    await eventually(() => hive.tasks.get('TASK-4')?.location === 'archive');
    const archived = await readdir(path.join(hive.paths.archive, 'BEE-001'));
    expect(archived).toEqual([expect.stringMatching(/-TASK-4\.json$/)]);
    expect(await hive.executor.status('TASK-4')).toMatchObject({ status: 'completed', content: 'done' });
  });
});

describe('start-up', () => {
  it('rebuilds its index from the files and notices responses that landed while it was down, once', async () => {
    const first = await openTempHive();
    await first.executor.execute(task({ task_id: 'TASK-A' }));
    await first.executor.execute(task({ task_id: 'TASK-B' }));
    await first.close();

    await writeFile(path.join(first.paths.responses, 'RESPONSE-TASK-A.md'), 'answered while down');
    await writeFile(path.join(first.paths.tasks, 'BEE-001', 'not-a-task.json'), 'garbage');
    await mkdir(path.join(first.paths.tasks, 'BEE-001', 'stray-dir'));
    await symlink('/etc', path.join(first.paths.tasks, 'evil'));

    const second = await openTempHive({ root: first.paths.root });
    try {
      expect(second.tasks.has('TASK-B')).toBe(true);
      await eventually(() => second.ledger.isCompleted('TASK-A'));
      expect(await second.executor.status('TASK-A')).toMatchObject({
        status: 'completed',
        content: 'answered while down',
      });
      expect(await second.executor.status('TASK-B')).toMatchObject({ status: 'active' });
      await second.close();

      // Without the ledger's unique index, only the hive's own check keeps the completion
      // to one. The response is old, so the start-up scan counts it before open() resolves.
      const db = new Database(first.paths.ledgerFile);
      db.exec('DROP INDEX events_terminal_once');
      db.close();
      const past = new Date(Date.now() - 60_000);
      await utimes(path.join(first.paths.responses, 'RESPONSE-TASK-A.md'), past, past);
      const third = await openTempHive({ root: first.paths.root });
      expect(third.ledger.forTask('TASK-A').filter((e) => e.event_type === 'task_completed')).toHaveLength(1);
      await third.cleanup();
    } finally {
      await second.close();
    }
  });
});

describe('after a crash', () => {
  it('records task files the ledger never heard of, and finishes an interrupted archive move', async () => {
    const first = await openTempHive();
    await first.executor.execute(task({ task_id: 'TASK-DONE' }));
    await first.close();
    const { hivePaths } = await import('./hive-paths');
    const { writeTask } = await import('./task-files');
    const paths = hivePaths(first.paths.root);
    // A file written by a server killed before its ledger commit (its client got no 200).
    const orphan = RunTaskInputSchema.parse({ intent: 'code', title: 'orphan', summary: 's' });
    await writeTask(
      paths,
      {
        task_id: 'TASK-ORPHAN',
        bot_id: 'BEE-001',
        intent: orphan.intent,
        title: orphan.title,
        summary: orphan.summary,
        kb_entities: [],
        status: 'active',
        lane: 'terminal',
        provider: 'cli',
        delivery_mode: 'task_file',
        created_at: new Date().toISOString(),
        started_at: new Date().toISOString(),
      },
      new Date(),
    );
    // An archive move cut between link and unlink: the same file in both folders.
    const [done] = (await readdir(path.join(paths.tasks, 'BEE-001'))).filter((f) => f.endsWith('-TASK-DONE.json'));
    await mkdir(path.join(paths.archive, 'BEE-001'), { recursive: true });
    const { link } = await import('node:fs/promises');
    await link(path.join(paths.tasks, 'BEE-001', done!), path.join(paths.archive, 'BEE-001', done!));
    await writeFile(path.join(paths.responses, 'TASK-DONE.md'), 'answered');

    const second = await openTempHive({ root: first.paths.root });
    try {
      expect(second.ledger.forTask('TASK-ORPHAN').map((e) => [e.event_type, e.actor])).toEqual([
        ['task_execution_started', 'recovery'],
        ['task_routed', 'recovery'],
        ['task_dispatched', 'recovery'],
      ]);
      expect(second.view.get('TASK-ORPHAN')).toMatchObject({ status: 'active', title: 'orphan' });
      await eventually(() => second.tasks.get('TASK-DONE')?.location === 'archive');
      expect(await readdir(path.join(paths.tasks, 'BEE-001'))).not.toContain(done);
    } finally {
      await second.cleanup();
    }
  });

  it('refuses a wait beyond the limit with TOO_MANY_WAITERS before writing anything', async () => {
    const hive = await openTempHive({ maxWaiters: 1 });
    try {
      const first = hive.executor.execute(task({ task_id: 'TASK-W1', wait_for_response: true, timeout_seconds: 30 }));
      const second = hive.executor.execute(task({ task_id: 'TASK-W2', wait_for_response: true, timeout_seconds: 30 }));
      await expect(second).rejects.toSatisfy((err) => HiveError.is(err) && err.code === 'TOO_MANY_WAITERS');
      expect(hive.tasks.has('TASK-W2')).toBe(false);
      expect(hive.ledger.forTask('TASK-W2')).toEqual([]);
      await eventually(() => hive.tasks.has('TASK-W1'));
      await respond(hive, 'TASK-W1.md', 'done');
      expect((await first).response).toMatchObject({ status: 'completed' });
      expect(hive.waiters.pending).toBe(0);
      // Nothing of the refused task reached the disk, before or after the other one finished.
      const files = await filesUnder(hive.paths.hive);
      expect(files.filter((f) => f.includes('TASK-W1'))).not.toEqual([]);
      expect(files.filter((f) => f.includes('TASK-W2'))).toEqual([]);
    } finally {
      await hive.cleanup();
    }
  });
});
