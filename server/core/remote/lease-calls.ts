/**
 * What a bee holding a lease may do (DESIGN §8): renew it, rewrite the task's status,
 * answer, or give the task back; and what happens when a lease runs out. Every call runs in
 * the task's turn and first proves its lease is the task's current one: a token from an
 * attempt that is over gets 409 and changes nothing (the attempt is the fencing token).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { LeaseActionResult, ResponseInput } from '../../contracts/bee-protocol';
import type { TaskRow } from '../../contracts/task-list';
import { isFinished, inTurn } from '../actions/turn';
import { publishFile } from '../atomic-write';
import { readClaim, releaseClaim, SERVER_ACTOR } from '../claims';
import { HiveError } from '../errors';
import type { HiveParts } from '../hive-parts';
import { relativeToRoot } from '../hive-paths';
import { log } from '../log';
import type { TaskActivity } from '../task-activity';
import { rewriteTaskStatus } from '../task-files';
import { requireBots, type BeeScope } from './bee-scope';
import type { Lease, LeaseBook } from './leases';

/** An answered lease is kept this long, so a bee that retries its response is told it landed. */
const ANSWERED_KEPT_MS = 10 * 60_000;

export class LeaseCalls {
  constructor(
    private readonly parts: HiveParts,
    private readonly activity: TaskActivity,
    private readonly leases: LeaseBook,
    /** Counts a response the server just published, without waiting for the watcher. */
    private readonly responsePublished: (name: string) => Promise<void>,
  ) {}

  renew(taskId: string, token: string, scope: BeeScope): Promise<LeaseActionResult> {
    return inTurn(this.parts, taskId, async () => {
      const { lease, row } = await this.current(taskId, token, scope);
      if (!lease.answer) this.leases.renew(lease);
      return this.result(lease, row);
    });
  }

  setStatus(taskId: string, token: string, status: string, scope: BeeScope): Promise<LeaseActionResult> {
    return inTurn(this.parts, taskId, async () => {
      const { lease, row } = await this.current(taskId, token, scope, { answered: 'refuse' });
      await this.rewriteStatus(row, status);
      return this.result(lease, this.parts.view.get(taskId) ?? row);
    });
  }

  async respond(taskId: string, input: ResponseInput, scope: BeeScope): Promise<LeaseActionResult> {
    const contentHash = createHash('sha256').update(input.content).digest('hex');
    const { lease, name } = await inTurn(this.parts, taskId, async () => {
      const { lease, row } = await this.current(taskId, input.lease_token, scope, { answered: 'accept' });
      if (lease.answer) {
        if (lease.answer.contentHash === contentHash) return { lease, name: null };
        throw new HiveError(
          'CONFLICT',
          `This attempt of ${taskId} already answered with other content; nothing was changed.`,
        );
      }
      if (input.status === 'blocked') await this.rewriteStatus(row, 'blocked');
      const name = `${row.bot_id}-RESPONSE-${taskId}.md`;
      const file = path.join(this.parts.paths.responses, name);
      try {
        await publishFile(this.parts.paths.tmp, file, input.content);
      } catch (err) {
        // The same answer published before the server restarted (its record was lost with it): it stands.
        const same =
          HiveError.is(err) &&
          err.code === 'CONFLICT' &&
          (await readFile(file, 'utf8').catch(() => null)) === input.content;
        if (!same) throw err;
      }
      lease.answer = {
        contentHash,
        responsePath: relativeToRoot(this.parts.paths, file),
        answeredAt: this.parts.now(),
      };
      return { lease, name };
    });
    // Recorded in the task's next turn (a cancel that came meanwhile makes it cancelled: one end).
    if (name) await this.responsePublished(name);
    return this.result(lease, this.parts.view.get(taskId));
  }

  release(taskId: string, token: string, scope: BeeScope): Promise<LeaseActionResult> {
    return inTurn(this.parts, taskId, async () => {
      const { lease } = await this.current(taskId, token, scope, { answered: 'refuse' });
      await this.letGo(lease, 'released');
      return this.result(lease, this.parts.view.get(taskId));
    });
  }

  /**
   * Leases that ran out release their claims (`task_claim_expired`): the task waits again,
   * and its next claim is the next attempt. Leases of tasks that ended are forgotten.
   */
  async sweep(): Promise<void> {
    for (const lease of this.leases.all()) {
      const row = this.parts.view.get(lease.taskId);
      const over = !row || row.attempt !== lease.attempt || (isFinished(row) && !lease.answer);
      if (over || (lease.answer && this.parts.now() - lease.answer.answeredAt > ANSWERED_KEPT_MS)) {
        this.leases.drop(lease.taskId);
      } else if (this.leases.isExpired(lease)) {
        await this.parts.perTask.run(lease.taskId, async () => {
          if (this.leases.get(lease.taskId) === lease && this.leases.isExpired(lease))
            await this.letGo(lease, 'expired');
        });
      }
    }
  }

  /** The lease `token` names, if it is the task's current one; else a 403, 404 or 409 that says why. */
  private async current(
    taskId: string,
    token: string,
    scope: BeeScope,
    options: { answered?: 'accept' | 'refuse' } = {},
  ): Promise<{ lease: Lease; row: TaskRow }> {
    const row = this.parts.view.get(taskId);
    if (!row) throw new HiveError('NOT_FOUND', `No task "${taskId}" in this hive.`);
    requireBots(scope, [row.bot_id], `act on ${taskId}`);
    const lease = this.leases.holding(taskId, token);
    if (!lease) {
      throw new HiveError(
        'CONFLICT',
        `This lease is not ${taskId}'s current one (it ran out, or the task was claimed again or ended); stop its work and do not answer. Nothing was changed.`,
      );
    }
    if (lease.answer) {
      if (options.answered === 'refuse')
        throw new HiveError('CONFLICT', `This attempt of ${taskId} has answered already; nothing was changed.`);
      return { lease, row };
    }
    if (this.leases.isExpired(lease)) {
      await this.letGo(lease, 'expired');
      throw new HiveError(
        'CONFLICT',
        `The lease on ${taskId} ran out at ${new Date(lease.expiresAt).toISOString()}; the task waits for another bee. Nothing was changed.`,
      );
    }
    if (row.attempt !== lease.attempt || row.claimed_by_bee !== lease.bee || isFinished(row)) {
      this.leases.drop(taskId);
      throw new HiveError(
        'CONFLICT',
        `${taskId} is ${row.state} now; attempt ${lease.attempt} is over. Nothing was changed.`,
      );
    }
    return { lease, row };
  }

  private async rewriteStatus(row: TaskRow, status: string): Promise<void> {
    const ref = this.parts.tasks.get(row.task_id);
    if (!ref || ref.location !== 'tasks') return;
    await rewriteTaskStatus(this.parts.paths, ref, status);
    await this.activity.recordStatus(row.task_id, ref.botId, ref.fileName);
  }

  /** In the task's turn: the lease ends, and with it the bee's claim (a task being cancelled ends cancelled). */
  private async letGo(lease: Lease, why: 'expired' | 'released'): Promise<void> {
    const { paths, view, ledger } = this.parts;
    this.leases.drop(lease.taskId);
    const row = view.get(lease.taskId);
    if (!row || isFinished(row) || row.attempt !== lease.attempt || row.claimed_by_bee !== lease.bee) return;
    // Only this lease's own claim file is removed; anything else there is not ours to touch.
    const claim = await readClaim(paths.claims, lease.taskId);
    if (claim && claim.raw.lease !== lease.tokenHash) return;
    const reason = why === 'expired' ? `its lease ran out (bee ${lease.bee})` : `given back by bee ${lease.bee}`;
    const previous = { bot_id: lease.botId, bee: lease.bee, attempt: lease.attempt };
    if (row.state === 'cancelling') {
      await releaseClaim(paths.claims, lease.taskId);
      await this.activity.cancelled(lease.taskId, { reason, previous }, SERVER_ACTOR);
      return;
    }
    // Status first, claim second (as a bee gives a task back): never unclaimed and in progress at once.
    const ref = this.parts.tasks.get(lease.taskId);
    if (ref?.location === 'tasks') await rewriteTaskStatus(paths, ref, 'active');
    await releaseClaim(paths.claims, lease.taskId);
    await ledger
      .append({
        event_type: why === 'expired' ? 'task_claim_expired' : 'task_claim_released',
        task_id: lease.taskId,
        actor: why === 'expired' ? SERVER_ACTOR : lease.bee,
        data: { reason, previous, lease_expires_at: new Date(lease.expiresAt).toISOString() },
      })
      .catch((err) => log.error(`could not record the end of ${lease.taskId}'s lease`, err));
  }

  private result(lease: Lease, row: TaskRow | undefined): LeaseActionResult {
    return {
      task_id: lease.taskId,
      attempt: lease.attempt,
      state: row?.state ?? 'unknown',
      ...(lease.answer
        ? { response_path: lease.answer.responsePath }
        : { lease_expires_at: new Date(lease.expiresAt).toISOString() }),
    };
  }
}
