/**
 * What start-up finishes for a server that stopped (or died) mid-way: the task index
 * rebuilt from the files, scratch files of dead writers removed, task files written but
 * never recorded recorded, and what bees did while the server was down (claims taken or
 * let go, statuses rewritten) reconciled with the ledger.
 */
import { readdir } from 'node:fs/promises';
import { CLAIMED_STATES } from '../contracts/task-state';
import { sweepTmp } from './atomic-write';
import { dispatchEvents } from './dispatch-events';
import type { HiveParts } from './hive-parts';
import { relativeToRoot } from './hive-paths';
import { log } from './log';
import type { TaskActivity } from './task-activity';
import { readTaskFile, scanTaskFiles, taskFilePath } from './task-files';

export async function rebuildTaskIndex(parts: HiveParts): Promise<void> {
  // Archive first: a live copy found later wins over an archived one (TaskIndex.set).
  for (const location of ['archive', 'held', 'tasks'] as const) {
    for (const ref of await scanTaskFiles(parts.paths, location)) parts.tasks.set(ref);
  }
}

export async function sweepScratch(parts: HiveParts): Promise<void> {
  const swept = await sweepTmp(parts.paths.tmp);
  if (swept) log.info(`removed ${swept} scratch files left in tmp/ by a server that died mid-write`);
}

/**
 * Task files the ledger never heard of: written by a server killed between the file and
 * its commit (the client got no 200). They sit in a bee's inbox and will be worked, so
 * they are recorded, marked as recovered, rather than left invisible.
 */
export async function recordUnrecordedTasks(parts: HiveParts): Promise<void> {
  const { tasks, view, paths, ledger } = parts;
  for (const taskId of [...tasks.ids()]) {
    const ref = tasks.get(taskId);
    if (!ref || ref.location !== 'tasks' || view.get(taskId)) continue;
    const file = taskFilePath(paths, ref);
    const read = await readTaskFile(file);
    if (!read.ok) {
      log.warnOnce(`unrecorded:${taskId}`, `tasks/${ref.botId}/${ref.fileName} is ${read.reason}; not recorded`);
      continue;
    }
    await ledger.appendAll(dispatchEvents(read.task, relativeToRoot(paths, file), 'recovery', { recovered: true }));
    log.warn(`recorded ${taskId}: its file was written but the server stopped before recording it`);
  }
}

/** What bees did while the server was down: claims taken or let go, and statuses rewritten. */
export async function reconcileBeeState(parts: HiveParts, activity: TaskActivity): Promise<void> {
  const { paths, tasks, view } = parts;
  try {
    const claimed = new Set(await readdir(paths.claims));
    for (const state of CLAIMED_STATES) for (const row of view.inState(state)) claimed.add(row.task_id);
    for (const taskId of claimed) await activity.noticeClaim(taskId);
    for (const taskId of [...tasks.ids()]) {
      const ref = tasks.get(taskId);
      if (ref?.location === 'tasks') await activity.noticeStatus(taskId, ref.botId, ref.fileName);
    }
  } catch (err) {
    log.warnOnce('reconcile', `could not reconcile claims and statuses: ${(err as Error).message}`);
  }
}
