/**
 * Cancel that really stops the work (DESIGN §7). An unclaimed task is taken by the server
 * the way a bee takes one (an exclusive claim), so a bee racing the cancel either claimed
 * first (then it is asked to stop) or finds the task taken: no bee starts it afterwards.
 * A claimed task gets `cancels/{id}`, which bees watch; it is `cancelling` until the bee
 * acknowledges (status `cancelled`, its response, or letting go of the claim), or until
 * its claim goes stale, and then `cancelled`, recorded once.
 */
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ActionResult } from '../../contracts/actions';
import { publishFile } from '../atomic-write';
import { claimIsLive } from '../bots-health';
import { claimForServer } from '../claims';
import { HiveError } from '../errors';
import type { HiveParts } from '../hive-parts';
import type { TaskActivity } from '../task-activity';
import { conflict, inTurn, isFinished, requireTask } from './turn';

export function cancelTask(
  parts: HiveParts,
  activity: TaskActivity,
  taskId: string,
  input: { reason?: string | undefined },
  actor: string,
): Promise<ActionResult> {
  return inTurn(parts, taskId, async () => {
    const reason = input.reason || null;
    let row = requireTask(parts, taskId);
    if (isFinished(row)) {
      throw conflict(`${taskId} is already ${row.state}; there is nothing left to cancel.`);
    }
    if (row.state === 'cancelling') return { task_id: taskId, state: row.state };

    if (row.state === 'waiting' || row.state === 'held') {
      if (await claimForServer(parts.paths, taskId, row.bot_id, 'cancel')) {
        await activity.cancelled(taskId, { reason, by: actor, was: row.state }, actor);
        return { task_id: taskId, state: 'cancelled' };
      }
      // A bee claimed it a moment ago: record its claim, then ask it to stop.
      row = await claimRecorded(parts, activity, taskId);
      if (isFinished(row)) throw conflict(`${taskId} is already ${row.state}; there is nothing left to cancel.`);
    }

    const request = { task_id: taskId, reason, requested_at: new Date().toISOString(), by: actor };
    try {
      await publishFile(parts.paths.tmp, path.join(parts.paths.cancels, taskId), `${JSON.stringify(request)}\n`);
    } catch (err) {
      // Asked before (a cancel that could not be recorded): the request stands.
      if (!(HiveError.is(err) && err.code === 'CONFLICT')) throw err;
    }
    await parts.ledger.append({
      event_type: 'task_cancel_requested',
      task_id: taskId,
      actor,
      data: { reason, bee: row.claimed_by_bee, bot_id: row.claimed_by },
    });
    // Nobody alive holds it, so nobody will acknowledge: it ends here.
    if (!claimIsLive(row, parts.presence.live())) {
      await activity.cancelled(taskId, { reason, by: actor, was: row.state, note: 'no live bee held it' }, actor);
      return { task_id: taskId, state: 'cancelled' };
    }
    return { task_id: taskId, state: 'cancelling' };
  });
}

/** How long a claim the server lost to may take to become readable before the cancel goes on without its bee. */
const CLAIM_WRITE_GRACE_MS = 2000;

/**
 * The task's row once the claim that beat the server's is recorded. A file bee creates its
 * claim and then writes it: caught in between, the claim names no bee yet, and a cancel that
 * went on would find nobody holding the task and end it under the bee that is starting it.
 */
async function claimRecorded(parts: HiveParts, activity: TaskActivity, taskId: string) {
  const deadline = Date.now() + CLAIM_WRITE_GRACE_MS;
  for (;;) {
    await activity.recordClaim(taskId);
    const row = requireTask(parts, taskId);
    if (row.claimed_by !== null || isFinished(row) || Date.now() >= deadline) return row;
    await sleep(20);
  }
}
