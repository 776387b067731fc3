/**
 * A task's row, locked for one decision. Every change of who holds a task (claim, answer,
 * release, expiry, cancel, reclaim, reassign) first takes the row with FOR UPDATE, decides
 * from what it says, and records its event in the same transaction: whichever server gets
 * there first decides, and the others see the outcome and change nothing.
 */
import { SERVER_ACTOR } from '../../core/claims';
import type { Record } from './pg-db';
import type { Tx } from './pg-pool';

export type StoreState = 'waiting' | 'held' | 'claimed' | 'cancelling' | 'done';

export interface TaskRowLock {
  task_id: string;
  bot_id: string;
  state: StoreState;
  attempt: number;
  bee: string | null;
  lease_hash: string | null;
  lease_expires_at: Date | null;
  answer_hash: string | null;
  status: string;
  /** The lease ran out by the database's clock (one clock for every server). */
  expired: boolean;
}

const COLUMNS = `task_id, bot_id, state, attempt, bee, lease_hash, lease_expires_at, answer_hash,
  status, coalesce(lease_expires_at < now(), false) AS expired`;

export async function lockTask(tx: Tx, taskId: string): Promise<TaskRowLock | null> {
  const { rows } = await tx.query<TaskRowLock>(`SELECT ${COLUMNS} FROM tasks WHERE task_id = $1 FOR UPDATE`, [taskId]);
  return rows[0] ?? null;
}

/** Leases that ran out and nobody has let go yet; rows another server is deciding are skipped. */
export async function lockExpired(tx: Tx, limit: number): Promise<TaskRowLock[]> {
  const { rows } = await tx.query<TaskRowLock>(
    `SELECT ${COLUMNS} FROM tasks
     WHERE state IN ('claimed', 'cancelling') AND answer_hash IS NULL AND lease_expires_at < now()
     ORDER BY lease_expires_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
    [limit],
  );
  return rows;
}

/** The task ends cancelled: recorded once, whoever else tries. */
export async function endCancelled(tx: Tx, record: Record, taskId: string, data: object, actor: string): Promise<void> {
  await tx.query("UPDATE tasks SET state = 'done', lease_hash = NULL, status = 'cancelled' WHERE task_id = $1", [
    taskId,
  ]);
  await record([{ event_type: 'task_cancelled', task_id: taskId, actor, data: { ...data } }], { once: true });
}

/**
 * The bee's claim ends without an answer (its lease ran out, it gave the task back, or an
 * operator reclaimed it): the task waits for the next attempt, or ends cancelled if it was
 * being cancelled.
 */
export async function letGo(
  tx: Tx,
  record: Record,
  row: TaskRowLock,
  why: 'expired' | 'released' | 'reclaimed',
  actor: string,
): Promise<'waiting' | 'cancelled'> {
  const reason = {
    expired: `its lease ran out (bee ${row.bee})`,
    released: `given back by bee ${row.bee}`,
    reclaimed: 'reclaimed: its bee is not live',
  }[why];
  const previous = { bot_id: row.bot_id, bee: row.bee, attempt: row.attempt };
  if (row.state === 'cancelling') {
    await endCancelled(tx, record, row.task_id, { reason, previous }, SERVER_ACTOR);
    return 'cancelled';
  }
  await tx.query(
    `UPDATE tasks SET state = 'waiting', bee = NULL, lease_hash = NULL, lease_expires_at = NULL,
       status = 'active' WHERE task_id = $1`,
    [row.task_id],
  );
  await record([
    {
      event_type: why === 'expired' ? 'task_claim_expired' : 'task_claim_released',
      task_id: row.task_id,
      actor,
      data: {
        reason,
        previous,
        ...(row.lease_expires_at ? { lease_expires_at: row.lease_expires_at.toISOString() } : {}),
      },
    },
  ]);
  return 'waiting';
}
