/**
 * Moving an unclaimed task to another bot's inbox (DESIGN §7). The server takes the task's
 * claim for the move, so no bee of either bot can start it half-way; a task a bee already
 * claimed is refused. The task file is rewritten for its new bot (its `bot_id` changes),
 * into the new inbox, or into `held/` when that bot is paused.
 */
import { unlink } from 'node:fs/promises';
import type { ReassignResult } from '../../contracts/actions';
import type { HealthWarning } from '../../contracts/health';
import { claimForServer, releaseClaim } from '../claims';
import { HiveError } from '../errors';
import type { HiveParts } from '../hive-parts';
import { relativeToRoot } from '../hive-paths';
import type { TaskActivity } from '../task-activity';
import { publishTask, readTaskFile, taskFilePath, type TaskFileRef } from '../task-files';
import { conflict, inTurn, isFinished, requireTask } from './turn';

export function reassignTask(
  parts: HiveParts,
  activity: TaskActivity,
  taskId: string,
  input: { bot_id: string; dry_run: boolean },
  actor: string,
): Promise<ReassignResult> {
  return inTurn(parts, taskId, async () => {
    const row = requireTask(parts, taskId);
    const toBot = input.bot_id;
    if (isFinished(row)) throw conflict(`${taskId} is already ${row.state}; there is nothing to reassign.`);
    if (row.state !== 'waiting' && row.state !== 'held') {
      throw conflict(
        `${taskId} is ${row.state.replace('_', ' ')} (claimed by ${row.claimed_by_bee ?? row.claimed_by}); ` +
          'only a task no bee has claimed can be reassigned. Cancel it and retry it for the other bot instead.',
      );
    }
    if (toBot === row.bot_id) throw conflict(`${taskId} is already assigned to ${toBot}.`);
    const ref = parts.tasks.get(taskId);
    if (!ref || ref.location === 'archive') throw conflict(`${taskId} has no task file in an inbox to move.`);

    const held = parts.bots.isPaused(toBot);
    const target: TaskFileRef = { taskId, botId: toBot, fileName: ref.fileName, location: held ? 'held' : 'tasks' };
    const warnings: HealthWarning[] = parts.presence.live().bots.has(toBot)
      ? []
      : [{ code: 'no_live_bee', bot_id: toBot, message: `No live bee serves ${toBot}: the task will wait there.` }];
    const result = (state: 'waiting' | 'held', dryRun: boolean): ReassignResult => ({
      task_id: taskId,
      from_bot: row.bot_id,
      to_bot: toBot,
      task_path: relativeToRoot(parts.paths, taskFilePath(parts.paths, target)),
      state,
      dry_run: dryRun,
      warnings,
    });
    if (input.dry_run) return result(held ? 'held' : 'waiting', true);

    if (!(await claimForServer(parts.paths, taskId, row.bot_id, 'reassign'))) {
      await activity.recordClaim(taskId);
      throw conflict(`${taskId} was claimed by a bee just now; only a task no bee has claimed can be reassigned.`);
    }
    try {
      const read = await readTaskFile(taskFilePath(parts.paths, ref));
      if (!read.ok) throw new HiveError('CONFLICT', `${taskId}'s task file is ${read.reason}; it cannot be moved.`);
      await publishTask(parts.paths, { ...read.task, bot_id: toBot }, target);
      await unlink(taskFilePath(parts.paths, ref));
      parts.tasks.forget(ref);
      parts.tasks.set(target);
    } finally {
      await releaseClaim(parts.paths.claims, taskId);
    }
    await parts.ledger.append({
      event_type: 'task_reassigned',
      task_id: taskId,
      actor,
      data: { from_bot: row.bot_id, to_bot: toBot, task_path: result('waiting', false).task_path, held },
    });
    return result(held ? 'held' : 'waiting', false);
  });
}
