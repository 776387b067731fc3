/**
 * The operator actions that change who holds a task or where it waits, as rows under
 * locks (DESIGN §7), with the same replies and ledger events as the embedded hive. A task
 * no bee holds is decided on its row at once; a task a bee holds is marked cancelling, and
 * the bee hears it in its next heartbeat reply.
 */
import type { ActionResult, PauseResult, ReassignResult, ReclaimResult } from '../../contracts/actions';
import type { HealthWarning } from '../../contracts/health';
import { conflict } from '../../core/actions/turn';
import { HiveError } from '../../core/errors';
import type { CoreParts } from '../../core/hive-parts';
import type { TaskActions } from '../../core/service';
import type { PgDb } from './pg-db';
import type { Tx } from './pg-pool';
import { endCancelled, letGo, lockTask, type TaskRowLock } from './pg-task-rows';
import { taskLocator } from './pg-task-store';

export class PgActions implements TaskActions {
  constructor(
    private readonly db: PgDb,
    private readonly parts: CoreParts,
  ) {}

  async cancel(taskId: string, input: { reason?: string | undefined }, actor: string): Promise<ActionResult> {
    const reason = input.reason || null;
    const state = await this.db.write(async (tx, record) => {
      const row = await this.require(tx, taskId);
      if (row.state === 'done') throw this.ended(taskId, 'there is nothing left to cancel');
      if (row.state === 'cancelling') return 'cancelling' as const;
      if (row.state === 'waiting' || row.state === 'held') {
        await endCancelled(tx, record, taskId, { reason, by: actor, was: row.state }, actor);
        return 'cancelled' as const;
      }
      await tx.query("UPDATE tasks SET state = 'cancelling' WHERE task_id = $1", [taskId]);
      await record([
        {
          event_type: 'task_cancel_requested',
          task_id: taskId,
          actor,
          data: { reason, bee: row.bee, bot_id: row.bot_id },
        },
      ]);
      // Nobody alive holds it, so nobody will acknowledge: it ends here.
      if (!row.bee || !this.parts.presence.isLive(row.bee)) {
        await endCancelled(
          tx,
          record,
          taskId,
          { reason, by: actor, was: 'claimed', note: 'no live bee held it' },
          actor,
        );
        return 'cancelled' as const;
      }
      return 'cancelling' as const;
    });
    return { task_id: taskId, state };
  }

  async reassign(taskId: string, input: { bot_id: string; dry_run: boolean }, actor: string): Promise<ReassignResult> {
    const toBot = input.bot_id;
    const warnings: HealthWarning[] = this.parts.presence.live().bots.has(toBot)
      ? []
      : [{ code: 'no_live_bee', bot_id: toBot, message: `No live bee serves ${toBot}: the task will wait there.` }];
    return this.db.write(async (tx, record) => {
      const row = await this.require(tx, taskId);
      if (row.state === 'done') throw this.ended(taskId, 'there is nothing to reassign');
      if (row.state !== 'waiting' && row.state !== 'held') {
        throw conflict(
          `${taskId} is ${this.stateOf(taskId)} (claimed by ${row.bee}); only a task no bee has claimed can be reassigned. Cancel it and retry it for the other bot instead.`,
        );
      }
      if (toBot === row.bot_id) throw conflict(`${taskId} is already assigned to ${toBot}.`);
      const held = await this.isPaused(tx, toBot);
      const state = held ? 'held' : 'waiting';
      const result: ReassignResult = {
        task_id: taskId,
        from_bot: row.bot_id,
        to_bot: toBot,
        task_path: taskLocator(taskId),
        state,
        dry_run: input.dry_run,
        warnings,
      };
      if (input.dry_run) return result;
      await tx.query('UPDATE tasks SET bot_id = $2, state = $3 WHERE task_id = $1', [taskId, toBot, state]);
      await record([
        {
          event_type: 'task_reassigned',
          task_id: taskId,
          actor,
          data: { from_bot: row.bot_id, to_bot: toBot, task_path: taskLocator(taskId), held },
        },
      ]);
      return result;
    });
  }

  async reclaim(taskId: string, actor: string): Promise<ReclaimResult> {
    return this.db.write(async (tx, record) => {
      const row = await this.require(tx, taskId);
      if (row.state === 'done') throw this.ended(taskId, 'there is no claim to release');
      if (row.state !== 'claimed' && row.state !== 'cancelling') {
        throw conflict(`${taskId} is ${this.stateOf(taskId)}; no bee holds a claim on it.`);
      }
      if (row.bee && this.parts.presence.isLive(row.bee)) {
        throw conflict(`${taskId} is held by ${row.bee}, which is live; cancel the task instead, or wait for it.`);
      }
      const state = await letGo(tx, record, row, 'reclaimed', actor);
      return { task_id: taskId, state, attempt: row.attempt + 1 };
    });
  }

  async pause(botId: string, actor: string): Promise<PauseResult> {
    await this.db.write(async (tx, record) => {
      const { rowCount } = await tx.query(
        `INSERT INTO bots (bot_id, paused) VALUES ($1, true)
         ON CONFLICT (bot_id) DO UPDATE SET paused = true WHERE NOT bots.paused`,
        [botId],
      );
      if (rowCount) await record([{ event_type: 'bot_paused', task_id: null, actor, data: { bot_id: botId } }]);
    });
    return this.pauseResult(botId);
  }

  async resume(botId: string, actor: string): Promise<PauseResult> {
    await this.db.write(async (tx, record) => {
      const { rowCount } = await tx.query('UPDATE bots SET paused = false WHERE bot_id = $1 AND paused', [botId]);
      if (rowCount) await record([{ event_type: 'bot_resumed', task_id: null, actor, data: { bot_id: botId } }]);
      // Oldest first, so the bees take them in the order they were dispatched.
      const { rows } = await tx.query<{ task_id: string }>(
        "UPDATE tasks SET state = 'waiting' WHERE bot_id = $1 AND state = 'held' RETURNING task_id, seq",
        [botId],
      );
      await record(
        this.released(
          (rows as { task_id: string; seq: string }[]).sort((a, b) => Number(a.seq) - Number(b.seq)),
          botId,
          actor,
        ),
      );
    });
    return this.pauseResult(botId);
  }

  async releaseHeld(taskId: string, actor: string): Promise<void> {
    await this.db.write(async (tx, record) => {
      const { rows } = await tx.query<{ task_id: string; bot_id: string }>(
        `UPDATE tasks SET state = 'waiting' WHERE task_id = $1 AND state = 'held'
           AND NOT EXISTS (SELECT 1 FROM bots WHERE bots.bot_id = tasks.bot_id AND paused)
         RETURNING task_id, bot_id`,
        [taskId],
      );
      if (rows[0]) await record(this.released(rows, rows[0].bot_id, actor));
    });
  }

  private released(rows: readonly { task_id: string }[], botId: string, actor: string) {
    return rows.map(({ task_id }) => ({
      event_type: 'task_released' as const,
      task_id,
      actor,
      data: { bot_id: botId, task_path: taskLocator(task_id) },
    }));
  }

  private async require(tx: Tx, taskId: string): Promise<TaskRowLock> {
    const row = await lockTask(tx, taskId);
    if (!row) throw new HiveError('NOT_FOUND', `No task "${taskId}" in this hive.`);
    return row;
  }

  private async isPaused(tx: Tx, botId: string): Promise<boolean> {
    await tx.query('INSERT INTO bots (bot_id) VALUES ($1) ON CONFLICT DO NOTHING', [botId]);
    const { rows } = await tx.query<{ paused: boolean }>('SELECT paused FROM bots WHERE bot_id = $1 FOR SHARE', [
      botId,
    ]);
    return rows[0]!.paused;
  }

  private ended(taskId: string, what: string): HiveError {
    return conflict(`${taskId} is already ${this.stateOf(taskId)}; ${what}.`);
  }

  /** The delivery state clients know it by (the mirror's), for messages. */
  private stateOf(taskId: string): string {
    return (this.parts.view.get(taskId)?.state ?? 'ended').replace('_', ' ');
  }

  private pauseResult(botId: string): PauseResult {
    const row = this.parts.bots.get(botId);
    return { bot_id: botId, paused: row?.paused === 1, held: row?.held ?? 0 };
  }
}
