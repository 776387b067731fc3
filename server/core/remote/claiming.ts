/**
 * Claims over HTTP (DESIGN §8): the oldest waiting task of the bee's bots, taken with the
 * same exclusive claim file a file bee creates, so of an HTTP bee and a file bee racing for
 * a task exactly one gets it. The claim file carries the lease's hash (never the token),
 * so a restarted server still knows which lease fences the attempt.
 */
import path from 'node:path';
import type { Claimed } from '../../contracts/bee-protocol';
import { publishFile } from '../atomic-write';
import { releaseClaim } from '../claims';
import { HiveError } from '../errors';
import type { HiveParts } from '../hive-parts';
import { log } from '../log';
import type { TaskActivity } from '../task-activity';
import { readTaskFile, taskFilePath } from '../task-files';
import type { ClaimWaiters } from './claim-waiters';
import { newLeaseToken, type LeaseBook } from './leases';

/** How many of a bot's oldest waiting tasks one claim tries before it waits. */
const CANDIDATES = 8;

export class Claiming {
  private closed = false;

  constructor(
    private readonly parts: HiveParts,
    private readonly activity: TaskActivity,
    private readonly leases: LeaseBook,
    readonly waiters: ClaimWaiters,
  ) {}

  /** A task for one of `bots`, waiting up to `waitMs` for one to come; null when none came. */
  async claim(bee: string, bots: readonly string[], waitMs: number, signal?: AbortSignal): Promise<Claimed | null> {
    const deadline = this.parts.now() + waitMs;
    for (;;) {
      const claimed = await this.tryClaim(bee, bots);
      if (claimed) return claimed;
      const left = deadline - this.parts.now();
      if (left <= 0 || signal?.aborted || this.closed) return null;
      await this.waiters.wait(bots, left, signal);
    }
  }

  /** Every waiting claim answers now, with nothing (the hive is closing). */
  close(): void {
    this.closed = true;
    this.waiters.wakeAll();
  }

  private async tryClaim(bee: string, bots: readonly string[]): Promise<Claimed | null> {
    for (const botId of bots) {
      // Tasks a file bee took meanwhile are recorded claimed as they are met, so each round
      // offers the next ones; `tried` ends it when only tasks that cannot be claimed are left.
      const tried = new Set<string>();
      for (;;) {
        const fresh = this.parts.view.waitingFor(botId, CANDIDATES + tried.size).filter((id) => !tried.has(id));
        if (fresh.length === 0) break;
        for (const taskId of fresh) {
          tried.add(taskId);
          const claimed = await this.parts.perTask.run(taskId, () => this.claimOne(bee, taskId));
          if (!claimed) continue;
          // More are waiting: another bee may take the next one now rather than at its timeout.
          if (this.parts.view.waitingFor(botId, 1).length) this.waiters.wakeOne(botId);
          return claimed;
        }
      }
    }
    return null;
  }

  /** In the task's turn: takes its claim for `bee`, records it, and grants the lease. */
  private async claimOne(bee: string, taskId: string): Promise<Claimed | null> {
    const { view, tasks, paths, ledger } = this.parts;
    const row = view.get(taskId);
    const ref = tasks.get(taskId);
    if (row?.state !== 'waiting' || ref?.location !== 'tasks') return null;
    const read = await readTaskFile(taskFilePath(paths, ref));
    if (!read.ok || read.task.status === 'cancelled') return null;

    const attempt = row.attempt + 1;
    const { token, tokenHash } = newLeaseToken();
    const claimedAt = new Date(this.parts.now()).toISOString();
    const record = { bot_id: ref.botId, bee, via: 'http', attempt, lease: tokenHash, claimed_at: claimedAt };
    const claimFile = path.join(paths.claims, taskId);
    try {
      await publishFile(paths.tmp, claimFile, `${JSON.stringify(record)}\n`);
    } catch (err) {
      if (!(HiveError.is(err) && err.code === 'CONFLICT')) throw err;
      // A file bee got there first: record its claim now, and offer this bee another task.
      await this.activity.recordClaim(taskId);
      return null;
    }
    try {
      await ledger.append({
        event_type: 'task_claimed',
        task_id: taskId,
        actor: ref.botId,
        data: { bot_id: ref.botId, bee, via: 'http', attempt, claimed_at: claimedAt },
      });
    } catch (err) {
      // Not recorded, not claimed: the claim file goes, so the task is free again.
      await releaseClaim(paths.claims, taskId).catch(() => undefined);
      log.error(`could not record the claim of ${taskId} by ${bee}`, err);
      throw err;
    }
    const lease = this.leases.grant({ taskId, botId: ref.botId, bee, attempt, tokenHash });
    return {
      task_id: taskId,
      attempt,
      lease_token: token,
      lease_expires_at: new Date(lease.expiresAt).toISOString(),
      task: read.task,
    };
  }
}
