/**
 * The bridge's local hive: a task goes in under the server's file name format, a file already
 * there for it is kept unless an earlier attempt was cancelled, leftovers that would stop a
 * new attempt go, and a task that ended is archived or withdrawn.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CancelRequestSchema } from '../../server/contracts/bee';
import { ensureHiveDirs, hivePaths, type HivePaths } from '../../server/core/hive-paths';
import { parseTaskFileName, readTaskFile } from '../../server/core/task-files';
import { taskFile } from '../../server/testing/tasks';
import { claimTask } from '../bee/claim';
import { setTaskStatus } from '../bee/task-status';
import { LocalHive } from './local-hive';

let root: string;
let paths: HivePaths;
let local: LocalHive;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'local-hive-'));
  paths = hivePaths(root);
  await ensureHiveDirs(paths);
  local = new LocalHive(paths, 'BEE-001', 'bridge-a');
});
afterEach(() => rm(root, { recursive: true, force: true }));

const inbox = () => readdir(local.inbox).catch(() => [] as string[]);
const at = new Date('2026-02-01T09:30:00.123Z');

describe('the local hive of a bridge', () => {
  it("publishes a task whole under the server's file name format, as the server wrote it", async () => {
    const task = taskFile('TASK-1', { summary: 'from the server' });
    const name = await local.publish(task, at);
    expect(name).toBe('20260201T093000123Z-TASK-1.json');
    expect(parseTaskFileName(name)).toEqual({ stamp: '20260201T093000123Z', taskId: 'TASK-1' });
    expect(await readTaskFile(local.taskPath(name))).toEqual({ ok: true, task });
  });

  it('keeps a file already there for the task (a local bee may be working on it), unless it was cancelled', async () => {
    const first = await local.publish(taskFile('TASK-1'), at);
    await setTaskStatus(local.taskPath(first), paths.tmp, 'in_progress');
    expect(await local.publish(taskFile('TASK-1'), new Date())).toBe(first);
    expect(await inbox()).toEqual([first]);

    await setTaskStatus(local.taskPath(first), paths.tmp, 'cancelled');
    const fresh = await local.publish(taskFile('TASK-1'), new Date('2026-02-01T10:00:00.000Z'));
    expect(fresh).not.toBe(first);
    expect(await inbox()).toEqual([fresh]);
    expect(await readTaskFile(local.taskPath(fresh))).toMatchObject({ ok: true, task: { status: 'active' } });
  });

  it("removes what would stop a new attempt: an earlier cancel, and this bridge's claim from a run that died", async () => {
    await local.requestCancel('TASK-1', 'an earlier attempt');
    // A claim by this bridge's name from a pid that is not running.
    const claim = { bot_id: 'BEE-001', bee: 'bridge-a', host: os.hostname(), pid: 2 ** 22 + 4321 };
    await writeFile(path.join(paths.claims, 'TASK-1'), JSON.stringify(claim));
    // Another bee's claim on another task is none of its business.
    expect(await claimTask(paths.claims, 'TASK-2', 'BEE-001', 'someone-else')).toBe('claimed');
    await local.publish(taskFile('TASK-1'), at);
    expect(await readdir(paths.cancels)).toEqual([]);
    expect(await readdir(paths.claims)).toEqual(['TASK-2']);
  });

  it('archives an ended task (its claim and cancel go, the response stays) or withdraws it, asking a local bee to stop', async () => {
    const done = await local.publish(taskFile('TASK-1'), at);
    await claimTask(paths.claims, 'TASK-1', 'BEE-001', 'local-bee');
    await writeFile(local.responsePath('TASK-1'), '# done');
    await local.archive('TASK-1', done);
    expect(await readdir(path.join(paths.archive, 'BEE-001'))).toEqual([done]);
    expect(await readdir(paths.claims)).toEqual([]);
    expect(await readdir(paths.responses)).toEqual(['BEE-001-RESPONSE-TASK-1.md']);

    const lost = await local.publish(taskFile('TASK-2'), at);
    await claimTask(paths.claims, 'TASK-2', 'BEE-001', 'local-bee');
    await local.withdraw('TASK-2', lost, 'the bridge lost its lease on the server');
    expect(await inbox()).toEqual([]);
    expect(await readdir(paths.claims)).toEqual([]);
    const cancel = CancelRequestSchema.parse(JSON.parse(await readFile(path.join(paths.cancels, 'TASK-2'), 'utf8')));
    expect(cancel).toMatchObject({ task_id: 'TASK-2', reason: 'the bridge lost its lease on the server' });
  });

  it("tells its bot's response files from others'", () => {
    expect(local.taskOfResponse('BEE-001-RESPONSE-TASK-1.md')).toBe('TASK-1');
    expect(local.taskOfResponse('BEE-002-RESPONSE-TASK-1.md')).toBeNull();
    expect(local.taskOfResponse('BEE-001-RESPONSE-TASK-1.md.part')).toBeNull();
  });
});
