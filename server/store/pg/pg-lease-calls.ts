/**
 * What a bee holding a lease may do (DESIGN §8), as rows: renew it, rewrite the task's
 * status, answer, give the task back; and the reaping of leases that ran out, by whichever
 * server looks first. Each call locks the task's row and proves its token is the current
 * attempt's (the row keeps the token's hash): a stale token gets 409 and changes nothing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { LeaseActionResult, ResponseInput } from '../../contracts/bee-protocol';
import { SERVER_ACTOR } from '../../core/claims';
import { HiveError } from '../../core/errors';
import type { CoreParts } from '../../core/hive-parts';
import { requireBots, type BeeScope } from '../../core/remote/bee-scope';
import { hashToken } from '../../core/remote/leases';
import type { PgDb, Record } from './pg-db';
import type { Tx } from './pg-pool';
import { endCancelled, letGo, lockExpired, lockTask, type TaskRowLock } from './pg-task-rows';
import { responseLocator } from './pg-task-store';

type Answered = 'accept' | 'refuse';
/** What a call did, made into its reply once the commit is in this server's mirror. */
type Outcome = { row: TaskRowLock; answeredAs?: string };

export class PgLeaseCalls {
  constructor(
    private readonly db: PgDb,
    private readonly parts: CoreParts,
    private readonly leaseMs: number,
  ) {}

  renew(taskId: string, token: string, scope: BeeScope): Promise<LeaseActionResult> {
    return this.call(taskId, token, scope, 'accept', async (tx, _record, row) => {
      if (row.answer_hash) return { row };
      const { rows } = await tx.query<{ lease_expires_at: Date }>(
        'UPDATE tasks SET lease_expires_at = now() + make_interval(secs => $2) WHERE task_id = $1 RETURNING lease_expires_at',
        [taskId, this.leaseMs / 1000],
      );
      return { row: { ...row, lease_expires_at: rows[0]!.lease_expires_at } };
    });
  }

  setStatus(taskId: string, token: string, status: string, scope: BeeScope): Promise<LeaseActionResult> {
    return this.call(taskId, token, scope, 'refuse', async (tx, record, row) => {
      await this.rewriteStatus(tx, record, row, status);
      if (status === 'cancelled' && row.state === 'cancelling')
        await endCancelled(tx, record, taskId, { reason: 'acknowledged by the bee' }, row.bot_id);
      return { row };
    });
  }

  respond(taskId: string, input: ResponseInput, scope: BeeScope): Promise<LeaseActionResult> {
    const contentHash = createHash('sha256').update(input.content).digest('hex');
    return this.call(taskId, input.lease_token, scope, 'accept', async (tx, record, row) => {
      const name = `${row.bot_id}-RESPONSE-${taskId}.md`;
      if (row.answer_hash) {
        if (row.answer_hash === contentHash) return { row, answeredAs: name };
        throw new HiveError(
          'CONFLICT',
          `This attempt of ${taskId} already answered with other content; nothing was changed.`,
        );
      }
      if (input.status === 'blocked') await this.rewriteStatus(tx, record, row, 'blocked');
      await tx.query(
        'INSERT INTO responses (task_id, attempt, name, content, content_hash) VALUES ($1, $2, $3, $4, $5)',
        [taskId, row.attempt, name, Buffer.from(input.content, 'utf8'), contentHash],
      );
      await tx.query("UPDATE tasks SET state = 'done', answer_hash = $2 WHERE task_id = $1", [taskId, contentHash]);
      const data = { response_path: responseLocator(name), noticed_by: 'http' };
      if (row.state === 'cancelling') {
        // Asked to stop, the bee answered instead: one end, and it is the cancel.
        await endCancelled(
          tx,
          record,
          taskId,
          { ...data, reason: 'the bee answered after the cancel request' },
          SERVER_ACTOR,
        );
      } else {
        await record([{ event_type: 'task_completed', task_id: taskId, actor: SERVER_ACTOR, data }], { once: true });
      }
      return { row, answeredAs: name };
    });
  }

  release(taskId: string, token: string, scope: BeeScope): Promise<LeaseActionResult> {
    return this.call(taskId, token, scope, 'refuse', async (tx, record, row) => {
      await letGo(tx, record, row, 'released', row.bee ?? SERVER_ACTOR);
      return { row };
    });
  }

  /** Releases up to `limit` leases that ran out; how many it released (0: none left, or others have them). */
  async reap(limit = 100): Promise<number> {
    return this.db.write(async (tx, record) => {
      const expired = await lockExpired(tx, limit);
      for (const row of expired) await letGo(tx, record, row, 'expired', SERVER_ACTOR);
      return expired.length;
    });
  }

  /**
   * Locks the task's row, checks the token, and runs `work`; a lease found run out is let
   * go (committed) and the call refused.
   */
  private async call(
    taskId: string,
    token: string,
    scope: BeeScope,
    answered: Answered,
    work: (tx: Tx, record: Record, row: TaskRowLock) => Promise<Outcome>,
  ): Promise<LeaseActionResult> {
    const outcome: { done: Outcome } | { ranOut: Date } = await this.db.write(async (tx, record) => {
      const row = await lockTask(tx, taskId);
      if (!row) throw new HiveError('NOT_FOUND', `No task "${taskId}" in this hive.`);
      requireBots(scope, [row.bot_id], `act on ${taskId}`);
      if (!sameHash(row.lease_hash, hashToken(token))) {
        throw new HiveError(
          'CONFLICT',
          `This lease is not ${taskId}'s current one (it ran out, or the task was claimed again or ended); stop its work and do not answer. Nothing was changed.`,
        );
      }
      if (row.answer_hash) {
        if (answered === 'refuse')
          throw new HiveError('CONFLICT', `This attempt of ${taskId} has answered already; nothing was changed.`);
        return { done: await work(tx, record, row) };
      }
      if (row.state !== 'claimed' && row.state !== 'cancelling') {
        throw new HiveError('CONFLICT', `${taskId} has ended; attempt ${row.attempt} is over. Nothing was changed.`);
      }
      if (row.expired) {
        await letGo(tx, record, row, 'expired', SERVER_ACTOR);
        return { ranOut: row.lease_expires_at! };
      }
      return { done: await work(tx, record, row) };
    });
    if ('ranOut' in outcome) {
      throw new HiveError(
        'CONFLICT',
        `The lease on ${taskId} ran out at ${outcome.ranOut.toISOString()}; the task waits for another bee. Nothing was changed.`,
      );
    }
    return this.result(outcome.done.row, outcome.done.answeredAs);
  }

  private async rewriteStatus(tx: Tx, record: Record, row: TaskRowLock, status: string): Promise<void> {
    if (status === row.status) return;
    await tx.query('UPDATE tasks SET status = $2 WHERE task_id = $1', [row.task_id, status]);
    await record([
      {
        event_type: 'task_status_changed',
        task_id: row.task_id,
        actor: row.bot_id,
        data: { status, previous: row.status },
      },
    ]);
    row.status = status;
  }

  /** The reply: the delivery state as this server's mirror has it once the call committed. */
  private result(row: TaskRowLock, answeredAs?: string): LeaseActionResult {
    const state = this.parts.view.get(row.task_id)?.state ?? 'unknown';
    return {
      task_id: row.task_id,
      attempt: row.attempt,
      state,
      ...(answeredAs
        ? { response_path: responseLocator(answeredAs) }
        : row.lease_expires_at
          ? { lease_expires_at: row.lease_expires_at.toISOString() }
          : {}),
    };
  }
}

function sameHash(stored: string | null, given: string): boolean {
  if (!stored || stored.length !== given.length) return false;
  return timingSafeEqual(Buffer.from(stored), Buffer.from(given));
}
