/** A response counts once it has settled: not empty, and unchanged for a quiet moment (DESIGN §2, responses written in place). */
import { appendFile, open, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunTaskInputSchema } from '../contracts/task';
import { writeResponse } from '../../scripts/lib/hive-files';
import { eventually, openTempHive } from '../testing/temp-hive';
import { FileSettling } from './file-settling';

describe('FileSettling (clock given by the caller)', () => {
  const QUIET = 100;
  const rechecks: string[] = [];
  let settling: FileSettling;
  beforeEach(() => {
    rechecks.length = 0;
    settling = new FileSettling(QUIET, (name) => rechecks.push(name));
  });
  afterEach(() => settling.close());

  it('counts a file at once when it was last written longer ago than the quiet moment', () => {
    expect(settling.settled('a.md', { size: 5, mtimeMs: 1_000 }, 1_000 + QUIET)).toBe(true);
  });

  it('holds a fresh file until it has been seen unchanged for the quiet moment', () => {
    expect(settling.settled('a.md', { size: 5, mtimeMs: 1_000 }, 1_010)).toBe(false);
    expect(settling.settled('a.md', { size: 5, mtimeMs: 1_000 }, 1_010 + QUIET - 1)).toBe(false);
    expect(settling.settled('a.md', { size: 5, mtimeMs: 1_000 }, 1_010 + QUIET)).toBe(true);
  });

  it('starts the quiet moment again at every change it sees', () => {
    expect(settling.settled('a.md', { size: 5, mtimeMs: 1_000 }, 1_000)).toBe(false);
    expect(settling.settled('a.md', { size: 9, mtimeMs: 1_090 }, 1_090)).toBe(false);
    expect(settling.settled('a.md', { size: 9, mtimeMs: 1_090 }, 1_000 + QUIET)).toBe(false);
    expect(settling.settled('a.md', { size: 9, mtimeMs: 1_090 }, 1_090 + QUIET)).toBe(true);
  });

  it('never counts an empty file, however old', () => {
    expect(settling.settled('a.md', { size: 0, mtimeMs: 0 }, 1_000_000)).toBe(false);
    expect(settling.settled('a.md', { size: 0, mtimeMs: 0 }, 2_000_000)).toBe(false);
  });

  it('counts an empty file that has stayed empty when told empty files count (claims)', () => {
    const claims = new FileSettling(QUIET, () => undefined, { emptyCounts: true });
    expect(claims.settled('TASK-1', { size: 0, mtimeMs: 1_000 }, 1_010)).toBe(false);
    expect(claims.settled('TASK-1', { size: 0, mtimeMs: 1_000 }, 1_010 + QUIET)).toBe(true);
    claims.close();
  });

  it('measures quiet by its own clock, so a writer whose clock runs ahead is not waited for forever', () => {
    expect(settling.settled('a.md', { size: 5, mtimeMs: 9_999_999 }, 1_000)).toBe(false);
    expect(settling.settled('a.md', { size: 5, mtimeMs: 9_999_999 }, 1_000 + QUIET)).toBe(true);
  });

  it('asks for a look when the quiet moment of a held file is up', async () => {
    expect(settling.settled('a.md', { size: 5, mtimeMs: Date.now() })).toBe(false);
    await eventually(() => rechecks.includes('a.md'), 2_000);
  });
});

describe('a hive with a bee that writes its response in place', () => {
  let hive: Awaited<ReturnType<typeof openTempHive>>;
  beforeEach(async () => (hive = await openTempHive({ responseQuietMs: 100 })));
  afterEach(() => hive.cleanup());

  const waitingTask = (task_id: string) =>
    RunTaskInputSchema.parse({
      task_id,
      intent: 'code',
      title: 'Create hello.py',
      summary: 'Write a hello world script',
      wait_for_response: true,
      timeout_seconds: 30,
    });

  it('hands a waiting client the whole answer when the file is created first and written a moment later', async () => {
    const waiting = hive.executor.execute(waitingTask('TASK-INPLACE'));
    await eventually(() => hive.tasks.has('TASK-INPLACE'));
    const file = path.join(hive.paths.responses, 'BEE-001-RESPONSE-TASK-INPLACE.md');
    const handle = await open(file, 'w');
    // The control: a task answered by rename after the empty file appeared completes, so the
    // empty file's event has been handled too, and it did not count.
    await hive.executor.execute({ ...waitingTask('TASK-CONTROL'), wait_for_response: false });
    await writeResponse(hive.paths.root, 'TASK-CONTROL.md', 'control');
    await eventually(() => hive.ledger.isCompleted('TASK-CONTROL'));
    expect(await hive.executor.status('TASK-INPLACE')).toMatchObject({ status: 'active' });
    await handle.writeFile('# Done\nhello.py written\n');
    await handle.close();
    expect((await waiting).response).toEqual({
      status: 'completed',
      response_path: '.deia/hive/responses/BEE-001-RESPONSE-TASK-INPLACE.md',
      content: '# Done\nhello.py written\n',
    });
  });

  it('waits for the last of several quick writes', async () => {
    const waiting = hive.executor.execute(waitingTask('TASK-PARTS'));
    await eventually(() => hive.tasks.has('TASK-PARTS'));
    const file = path.join(hive.paths.responses, 'TASK-PARTS.md');
    await writeFile(file, 'part one, ');
    for (const part of ['part two, ', 'part three']) {
      await new Promise((resolve) => setTimeout(resolve, 30));
      await appendFile(file, part);
    }
    expect((await waiting).response).toMatchObject({ content: 'part one, part two, part three' });
    await eventually(() => hive.ledger.isCompleted('TASK-PARTS'));
    expect(hive.ledger.forTask('TASK-PARTS').find((e) => e.event_type === 'task_completed')?.data).toMatchObject({
      response_path: '.deia/hive/responses/TASK-PARTS.md',
    });
  });

  it('shows later writes to a counted response in status (the preview follows the file)', async () => {
    await hive.executor.execute({ ...waitingTask('TASK-LATER'), wait_for_response: false });
    const file = path.join(hive.paths.responses, 'TASK-LATER.md');
    await writeFile(file, 'first draft');
    await eventually(() => hive.ledger.isCompleted('TASK-LATER'));
    await writeFile(file, 'final answer');
    expect(await hive.executor.status('TASK-LATER')).toMatchObject({ status: 'completed', content: 'final answer' });
  });

  it('records a claim created empty and written a moment later under the bot it names', async () => {
    await hive.executor.execute({ ...waitingTask('TASK-CLAIMED'), wait_for_response: false });
    const handle = await open(path.join(hive.paths.claims, 'TASK-CLAIMED'), 'wx');
    await new Promise((resolve) => setTimeout(resolve, 20));
    await handle.writeFile(JSON.stringify({ bot_id: 'BEE-007', bee: 'bee-7' }));
    await handle.close();
    await eventually(() => hive.view.get('TASK-CLAIMED')?.claimed_by);
    expect(hive.view.get('TASK-CLAIMED')?.claimed_by).toBe('BEE-007');
  });

  it('records a claim that stays empty, once it has settled, as taken by an unknown bee', async () => {
    await hive.executor.execute({ ...waitingTask('TASK-TOUCHED'), wait_for_response: false });
    await writeFile(path.join(hive.paths.claims, 'TASK-TOUCHED'), '', { flag: 'wx' });
    await eventually(() => hive.view.get('TASK-TOUCHED')?.claimed_by);
    expect(hive.view.get('TASK-TOUCHED')?.claimed_by).toBe('unknown');
  });
});
