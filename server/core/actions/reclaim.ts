/**
 * Releasing a stale claim (DESIGN §6): the bee holding the task is not live, so the task
 * goes back to waiting in its bot's inbox for a live bee to take, as the next attempt.
 * A claim held by a live bee is not the operator's to release (cancel the task instead).
 */
import type { ReclaimResult } from '../../contracts/actions';
import { CLAIMED_STATES } from '../../contracts/task-state';
import { claimIsLive } from '../bots-health';
import { releaseClaim } from '../claims';
import type { HiveParts } from '../hive-parts';
import { rewriteTaskStatus } from '../task-files';
import { conflict, inTurn, isFinished, requireTask } from './turn';

export function reclaimTask(parts: HiveParts, taskId: string, actor: string): Promise<ReclaimResult> {
  return inTurn(parts, taskId, async () => {
    const row = requireTask(parts, taskId);
    if (isFinished(row)) throw conflict(`${taskId} is already ${row.state}; there is no claim to release.`);
    if (!CLAIMED_STATES.has(row.state) && !(row.state === 'blocked' && row.claimed_by !== null)) {
      throw conflict(`${taskId} is ${row.state}; no bee holds a claim on it.`);
    }
    if (claimIsLive(row, parts.presence.live())) {
      throw conflict(
        `${taskId} is held by ${row.claimed_by_bee ?? row.claimed_by}, which is live; cancel the task instead, or wait for it.`,
      );
    }
    // The file steps first: if the record fails, the watcher sees the claim go and records it.
    const ref = parts.tasks.get(taskId);
    if (ref?.location === 'tasks') await rewriteTaskStatus(parts.paths, ref, 'active');
    await releaseClaim(parts.paths.claims, taskId);
    await parts.ledger.append({
      event_type: 'task_claim_released',
      task_id: taskId,
      actor,
      data: { reason: 'reclaimed: its bee is not live', previous: { bot_id: row.claimed_by, bee: row.claimed_by_bee } },
    });
    return { task_id: taskId, state: 'waiting', attempt: row.attempt + 1 };
  });
}
