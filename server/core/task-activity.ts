/**
 * What bees did to a task, recorded in the ledger: its claim taken or let go, its status
 * rewritten, its response landed, and its end (completed, or cancelled when a bee
 * acknowledges a cancel). Each fact reaches the server by several paths (a file event per
 * write, the start-up pass, the poll), so every look runs in the task's turn (perTask) and
 * decides from what the previous look recorded: a fact is recorded once, and a cancel and
 * a response that land together end the task once.
 */
import { access, lstat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { TaskRow } from '../contracts/task-list';
import { CLAIMED_STATES, FINAL_STATES } from '../contracts/task-state';
import { moveNoClobber } from './atomic-write';
import { isServerClaim, readClaim, SERVER_ACTOR } from './claims';
import { FileSettling } from './file-settling';
import type { HiveParts } from './hive-parts';
import { relativeToRoot } from './hive-paths';
import { log } from './log';
import { readTaskFile, realFolder, rewriteTaskStatus, taskFilePath } from './task-files';

export type NoticedBy = 'watcher' | 'startup' | 'poll' | 'dispatch' | 'http';

export class TaskActivity {
  /** Completions noticed while the ledger could not record them (e.g. a full disk). */
  private readonly unrecorded = new Set<string>();
  /**
   * Tasks a bee claimed, rewrote or answered before their dispatch was committed (a batch
   * writes all its files first, then records them in one commit): looked at again once the
   * dispatch is recorded, so nothing a fast bee did is lost or recorded before the dispatch.
   */
  private readonly early = new Set<string>();
  private readonly claimSettling: FileSettling;

  constructor(
    private readonly parts: HiveParts,
    quietMs: number,
  ) {
    // A claim says who took the task; one that stays empty still says it was taken.
    this.claimSettling = new FileSettling(quietMs, (taskId) => void this.noticeClaim(taskId), { emptyCounts: true });
  }

  close(): void {
    this.claimSettling.close();
  }

  /** The claim file of the task appeared, changed or went. */
  noticeClaim(taskId: string): Promise<void> {
    return this.parts.perTask.run(taskId, () => this.recordClaim(taskId));
  }

  /** A bee rewrote the task file in its inbox. */
  noticeStatus(taskId: string, botId: string, fileName: string): Promise<void> {
    return this.parts.perTask.run(taskId, () => this.recordStatus(taskId, botId, fileName));
  }

  /**
   * A response of the task was noticed. However often that happens, the task ends once:
   * this checks the record first. (The ledger's unique index on terminal events is the
   * last line of defence, not the mechanism.)
   */
  noticeResponse(taskId: string, noticedBy: NoticedBy): Promise<void> {
    return this.parts.perTask.run(taskId, () => this.complete(taskId, noticedBy));
  }

  /**
   * The task's dispatch is recorded: what a bee did to it before that is recorded now, in
   * order (claim, status, response). False when no bee had touched it yet.
   */
  dispatchRecorded(taskId: string): boolean {
    if (!this.early.delete(taskId)) return false;
    void this.parts.perTask.run(taskId, async () => {
      await this.recordClaim(taskId);
      const ref = this.parts.tasks.get(taskId);
      if (ref?.location === 'tasks') await this.recordStatus(taskId, ref.botId, ref.fileName);
      await this.complete(taskId, 'dispatch');
    });
    return true;
  }

  /** Completions a full disk held back, tried again (by the poll). */
  async retryUnrecorded(): Promise<void> {
    await Promise.all([...this.unrecorded].map((taskId) => this.noticeResponse(taskId, 'poll')));
  }

  /**
   * Ends a task as cancelled (in its turn): recorded once, then its file leaves the inbox.
   * False when it had already ended.
   */
  async cancelled(taskId: string, data: Record<string, unknown>, actor: string): Promise<boolean> {
    const recorded = await this.parts.ledger.recordTerminal({
      event_type: 'task_cancelled',
      task_id: taskId,
      actor,
      data,
    });
    if (!recorded) return false;
    this.parts.waiters.wake(taskId, { status: 'cancelled', task_id: taskId });
    // The task file says so too (a bee that acknowledged wrote it already).
    const ref = this.parts.tasks.get(taskId);
    if (ref && ref.location !== 'archive') {
      await rewriteTaskStatus(this.parts.paths, ref, 'cancelled').catch((err: unknown) =>
        log.warnOnce(`cancel-status:${taskId}`, `could not mark ${taskId}'s file cancelled: ${(err as Error).message}`),
      );
    }
    await unlink(path.join(this.parts.paths.cancels, taskId)).catch(() => undefined);
    await this.archive(taskId);
    return true;
  }

  /** Finished tasks leave the bees' inbox (or the held folder) for `archive/{bot_id}/`; doing it twice is harmless. */
  async archive(taskId: string): Promise<void> {
    const { paths, tasks, ledger } = this.parts;
    const ref = tasks.get(taskId);
    if (!ref || ref.location === 'archive') return;
    const archived = { ...ref, location: 'archive' as const };
    const to = taskFilePath(paths, archived);
    try {
      await realFolder(path.dirname(to), `archive/${ref.botId}`);
      await moveNoClobber(taskFilePath(paths, ref), to);
    } catch (err) {
      // Moved already (by an earlier look that raced this one): nothing is wrong.
      const done = (err as NodeJS.ErrnoException).code === 'ENOENT' && (await lstat(to).catch(() => null))?.isFile();
      if (!done) {
        log.warnOnce(`archive:${taskId}`, `could not archive ${taskId}: ${(err as Error).message}`);
        return;
      }
    }
    tasks.set(archived);
    await ledger
      .append({
        event_type: 'task_archived',
        task_id: taskId,
        actor: SERVER_ACTOR,
        data: { task_path: relativeToRoot(paths, to) },
      })
      .catch((err) => log.error(`could not record archiving of ${taskId}`, err));
  }

  /** Records a claim taken, or one let go (its file removed while a bee held the task). */
  async recordClaim(taskId: string): Promise<void> {
    const { view, paths, ledger } = this.parts;
    const row = view.get(taskId);
    if (!row) return this.notYetRecorded(taskId);
    if (FINAL_STATES.has(row.state) || row.completed_at) return;
    const claim = await readClaim(paths.claims, taskId);
    if (!claim) {
      this.claimSettling.forget(taskId);
      // Unreadable is not gone (a directory, a pipe, a read that failed): only a missing file lets go.
      if (row.claimed_by !== null && !(await lstat(path.join(paths.claims, taskId)).catch(() => null))) {
        await this.claimGone(row);
      }
      return;
    }
    // The server's own claim (it is cancelling or moving the task) says nothing about bees.
    if (isServerClaim(claim)) return;
    const bee = typeof claim.raw.bee === 'string' ? claim.raw.bee : null;
    if (row.claimed_by !== null && (bee === null || bee === row.claimed_by_bee)) return;
    // Caught between the bee's create and its write: look again once it has settled.
    if (!claim.whole && !this.claimSettling.settled(taskId, claim)) return;
    this.claimSettling.forget(taskId);
    // Another bee's claim where one was recorded: the first was let go in between.
    if (row.claimed_by !== null) await this.claimGone(row);
    await ledger
      .append({
        event_type: 'task_claimed',
        task_id: taskId,
        actor: claim.botId,
        data: { ...claim.raw, bot_id: claim.botId, attempt: row.attempt + 1 },
      })
      .catch((err) => log.error(`could not record the claim of ${taskId}`, err));
  }

  private async claimGone(row: TaskRow): Promise<void> {
    const previous = { bot_id: row.claimed_by, bee: row.claimed_by_bee };
    // A bee asked to stop that lets go of the task has stopped: the cancel is done.
    if (row.state === 'cancelling') {
      await this.cancelled(
        row.task_id,
        { reason: 'the bee let go of the task', previous },
        row.claimed_by ?? SERVER_ACTOR,
      );
      return;
    }
    if (!CLAIMED_STATES.has(row.state) && row.state !== 'blocked') return;
    await this.parts.ledger
      .append({
        event_type: 'task_claim_released',
        task_id: row.task_id,
        actor: row.claimed_by ?? SERVER_ACTOR,
        data: { reason: 'the claim file was removed', previous },
      })
      .catch((err) => log.error(`could not record the released claim of ${row.task_id}`, err));
  }

  /** Records a status a bee wrote into the task file; `cancelled` on a task being cancelled ends it. */
  async recordStatus(taskId: string, botId: string, fileName: string): Promise<void> {
    const row = this.parts.view.get(taskId);
    if (!row) return this.notYetRecorded(taskId);
    if (FINAL_STATES.has(row.state) || row.completed_at) return;
    const read = await readTaskFile(taskFilePath(this.parts.paths, { botId, fileName, location: 'tasks' }));
    if (!read.ok) {
      if (!read.missing)
        log.warnOnce(`task-file:${fileName}:${read.reason}`, `tasks/${botId}/${fileName} is ${read.reason}`);
      return;
    }
    const status = read.task.status;
    if (status === row.status) return;
    await this.parts.ledger
      .append({
        event_type: 'task_status_changed',
        task_id: taskId,
        actor: botId,
        data: { status, previous: row.status },
      })
      .catch((err) => log.error(`could not record the status of ${taskId}`, err));
    if (status === 'cancelled' && row.state === 'cancelling') {
      await this.cancelled(taskId, { reason: 'acknowledged by the bee' }, botId);
    }
  }

  private async complete(taskId: string, noticedBy: NoticedBy): Promise<void> {
    const { view, executor, waiters, tasks, ledger } = this.parts;
    const known = view.get(taskId);
    // Answered before its dispatch was committed: it ends after it, once the dispatch is recorded.
    if (!known) return this.notYetRecorded(taskId);
    // Ended already (a crash may have come before the archive move, so finish that).
    if (known && (FINAL_STATES.has(known.state) || known.completed_at)) return this.archive(taskId);
    const response = await executor.checkResponse(taskId);
    if (!response) return;
    waiters.wake(taskId, response);
    // A bee that claims a task, marks it `blocked` and answers right away (or did all that
    // while the server was down) must not have its claim and status overtaken by the
    // answer: record them first. Only bees that claimed the task rewrite it, so other
    // answers skip the read.
    const ref = tasks.get(taskId);
    if (ref?.location === 'tasks' && (await this.isClaimed(taskId))) {
      await this.recordClaim(taskId);
      await this.recordStatus(taskId, ref.botId, ref.fileName);
    }
    const row = view.get(taskId);
    if (row && FINAL_STATES.has(row.state)) return;
    const data = { response_path: response.response_path, noticed_by: noticedBy };
    try {
      if (row?.state === 'cancelling') {
        // Asked to stop, the bee answered instead: one end, and it is the cancel.
        await this.cancelled(taskId, { ...data, reason: 'the bee answered after the cancel request' }, SERVER_ACTOR);
      } else {
        await ledger.recordTerminal({ event_type: 'task_completed', task_id: taskId, actor: SERVER_ACTOR, data });
        await this.archive(taskId);
      }
      this.unrecorded.delete(taskId);
    } catch (err) {
      // Retried by the poll, so a full disk delays the record but never loses it.
      if (!this.unrecorded.has(taskId)) log.error(`could not record completion of ${taskId}; will retry`, err);
      this.unrecorded.add(taskId);
    }
  }

  /** A task on disk the ledger has not recorded yet is being dispatched (or a stray file: never recorded, never looked at again). */
  private notYetRecorded(taskId: string): void {
    if (this.parts.tasks.has(taskId)) this.early.add(taskId);
  }

  private async isClaimed(taskId: string): Promise<boolean> {
    return access(path.join(this.parts.paths.claims, taskId)).then(
      () => true,
      () => false,
    );
  }
}
