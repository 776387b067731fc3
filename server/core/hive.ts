/**
 * One hive, assembled and running: ledger, indexes rebuilt from disk, the routing table,
 * the watcher, and the reactions to files others write. A response that landed while
 * the server was down is noticed here at start-up, exactly once.
 */
import { access, lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Health } from '../contracts/hive';
import type { CompletedResponse } from '../contracts/task';
import { moveNoClobber, sweepTmp } from './atomic-write';
import { dispatchEvents } from './dispatch-events';
import { Executor, SERVER_ACTOR } from './executor';
import { lockHive, type HiveLock } from './hive-lock';
import { ensureHiveDirs, hivePaths, relativeToRoot, type HivePaths } from './hive-paths';
import { watchHive } from './hive-watcher';
import { Ledger } from './ledger';
import { log } from './log';
import { PerKeyQueue } from './per-key-queue';
import { ResponseIndex } from './response-index';
import { candidateTaskIds } from './response-match';
import { FileSettling } from './file-settling';
import { RoutingTableStore } from './routing';
import {
  parseTaskFileName,
  readTaskFile,
  realFolder,
  scanTaskFiles,
  taskFilePath,
  type TaskLocation,
} from './task-files';
import { readClaim } from './claims';
import { TaskIndex } from './task-index';
import { TaskView } from './task-view';
import { Waiters } from './waiters';

export interface HiveOptions {
  root: string;
  /** Most requests that may wait for a response at once; more get 429. */
  maxWaiters?: number;
  /** The fallback re-scan of `responses/` and the routing file, for lost file events. */
  pollMs?: number;
  /** How long a response or claim written in place must stay unchanged before it counts (file-settling.ts). */
  responseQuietMs?: number;
}

type NoticedBy = 'watcher' | 'startup' | 'poll' | 'dispatch';

export class Hive {
  readonly paths: HivePaths;
  readonly ledger: Ledger;
  readonly view: TaskView;
  readonly tasks = new TaskIndex();
  readonly responses = new ResponseIndex();
  readonly routing: RoutingTableStore;
  readonly waiters: Waiters<CompletedResponse>;
  readonly executor: Executor;
  private readonly settling: FileSettling;
  private readonly claimSettling: FileSettling;
  /**
   * Settles once start-up has recorded the claims and status rewrites bees made while the
   * server was down. It runs in the background: the hive serves requests meanwhile.
   */
  reconciled: Promise<void> = Promise.resolve();
  private stopWatching: (() => void) | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private rescans = 0;
  private closed = false;
  /** Completions noticed while the ledger could not record them (e.g. a full disk). */
  private readonly unrecordedCompletions = new Set<string>();
  /** What bees did to a task (claim, status, response) is looked at one check at a time per task. */
  private readonly perTask = new PerKeyQueue();
  /** Inodes of task files this process just published: their own file event needs no second look. */
  private readonly ownWrites = new Map<string, number>();

  private constructor(
    paths: HivePaths,
    options: HiveOptions,
    private readonly lock: HiveLock,
  ) {
    this.paths = paths;
    this.ledger = new Ledger(paths.ledgerFile);
    this.view = new TaskView(this.ledger);
    this.routing = new RoutingTableStore(paths.routingFile);
    this.waiters = new Waiters(options.maxWaiters ?? 1000);
    const quietMs = options.responseQuietMs ?? 100;
    this.settling = new FileSettling(quietMs, (name) => {
      if (!this.closed) void this.noticeResponse(name, 'watcher');
    });
    // A claim says who took the task; one that stays empty still says it was taken.
    this.claimSettling = new FileSettling(
      quietMs,
      (taskId) => {
        if (!this.closed) void this.noticeClaim(taskId);
      },
      { emptyCounts: true },
    );
    this.executor = new Executor({
      paths,
      ledger: this.ledger,
      tasks: this.tasks,
      responses: this.responses,
      routing: this.routing,
      waiters: this.waiters,
      view: this.view,
      onWritten: (written) => {
        if (this.ownWrites.size > 10_000) this.ownWrites.clear();
        this.ownWrites.set(`${written.botId}/${written.fileName}`, written.inode);
      },
      onDispatched: (taskId) => {
        if (this.responses.latestFor(taskId)) void this.complete(taskId, 'dispatch');
      },
    });
  }

  static async open(options: HiveOptions): Promise<Hive> {
    const paths = hivePaths(options.root);
    await ensureHiveDirs(paths);
    // Before anything is read or written: a second server on these files is refused here.
    const lock = lockHive(paths);
    let hive: Hive | undefined;
    try {
      hive = new Hive(paths, options, lock);
      await hive.start(options.pollMs ?? 5000);
      return hive;
    } catch (err) {
      if (hive) await hive.close();
      else lock.release();
      throw err;
    }
  }

  /**
   * For a stopping server: pending waits end at once with SHUTTING_DOWN, new dispatches are
   * refused with it, dispatches in flight finish (so every 200 stays true), then the hive
   * closes. Live-stream clients see their connection drop and resume from their last event
   * id on the next server.
   */
  async shutdown(graceMs = 5000): Promise<void> {
    this.executor.stopAccepting();
    this.waiters.closeAll();
    await this.executor.settled(graceMs);
    await this.close();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.executor.stopAccepting();
    this.waiters.closeAll();
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.settling.close();
    this.claimSettling.close();
    this.stopWatching?.();
    // What is being recorded (a completion and its archive move) finishes before the ledger closes.
    await this.perTask.stop();
    this.ledger.close();
    this.lock.release();
  }

  private async start(pollMs: number): Promise<void> {
    await this.reloadRouting();
    // Watch first, then scan: a file landing in between is seen by one or the other,
    // and every reaction is idempotent.
    this.stopWatching = await watchHive(this.paths, {
      responseTouched: (name) => void (name === null ? this.rescanResponses('watcher') : this.responseTouched(name)),
      taskFileTouched: (location, botId, fileName) => void this.taskFileTouched(location, botId, fileName),
      claimTouched: (taskId) => void this.noticeClaim(taskId),
      routingFileTouched: () => void this.reloadRouting(),
      error: (err) => log.error('watcher error', err),
    });
    for (const location of ['archive', 'tasks'] as const) {
      for (const ref of await scanTaskFiles(this.paths, location)) this.tasks.set(ref);
    }
    const swept = await sweepTmp(this.paths.tmp);
    if (swept) log.info(`removed ${swept} scratch files left in tmp/ by a server that died mid-write`);
    await this.recordUnrecordedTasks();
    await this.rescanResponses('startup');
    this.reconciled = this.reconcileBeeState();
    this.pollTimer = setInterval(() => void this.rescan(), pollMs);
    this.pollTimer.unref();
    log.info(
      `hive at ${this.paths.root}: ${this.tasks.size} tasks, ${this.responses.size} responses, routing from ${this.routing.active.source}`,
    );
  }

  /** Readiness and the hive's size, for /api/health. */
  health(): Health {
    return {
      status: 'ok',
      tasks: this.tasks.size,
      responses: this.responses.size,
      waiting: this.waiters.pending,
      routing_source: this.routing.active.source,
      ledger_last_id: this.ledger.lastId(),
      rescans: this.rescans,
    };
  }

  /** The slow fallback for file systems that lose events, and the retry of completions a full disk held back. */
  private async rescan(): Promise<void> {
    await Promise.all([
      this.rescanResponses('poll'),
      this.reloadRouting(),
      ...[...this.unrecordedCompletions].map((taskId) => this.complete(taskId, 'poll')),
    ]);
    this.rescans++;
  }

  private async reloadRouting(): Promise<void> {
    const result = await this.routing.reload();
    if (!result.ok) log.warnOnce(`routing:${result.error}`, result.error);
    else if (result.changed) log.info(`routing table in force: ${result.active.source}`);
  }

  /** A task file appeared, changed or vanished (a bee rewrote its status, or it was archived). */
  private async taskFileTouched(location: TaskLocation, botId: string, fileName: string): Promise<void> {
    const parsed = parseTaskFileName(fileName);
    if (!parsed) return;
    const ref = { taskId: parsed.taskId, botId, fileName, location };
    const stat = await lstat(taskFilePath(this.paths, ref)).catch(() => null);
    if (!stat?.isFile()) {
      this.tasks.forget(ref);
      return;
    }
    this.tasks.set(ref);
    const key = `${botId}/${fileName}`;
    // Our own publication, unchanged since: nothing a bee did to look at. A bee's rewrite
    // arrives as a new file (a new inode) and is read.
    if (location === 'tasks' && this.ownWrites.get(key) === stat.ino) {
      this.ownWrites.delete(key);
      return;
    }
    await this.noticeTaskStatus(location, botId, fileName);
  }

  /**
   * Task files the ledger never heard of: written by a server killed between the file and
   * its commit (the client got no 200). They sit in a bee's inbox and will be worked, so
   * they are recorded, marked as recovered, rather than left invisible.
   */
  private async recordUnrecordedTasks(): Promise<void> {
    for (const taskId of [...this.tasks.ids()]) {
      const ref = this.tasks.get(taskId);
      if (!ref || ref.location !== 'tasks' || this.view.get(taskId)) continue;
      const file = taskFilePath(this.paths, ref);
      const read = await readTaskFile(file);
      if (!read.ok) {
        log.warnOnce(`unrecorded:${taskId}`, `tasks/${ref.botId}/${ref.fileName} is ${read.reason}; not recorded`);
        continue;
      }
      await this.ledger.appendAll(
        dispatchEvents(read.task, relativeToRoot(this.paths, file), 'recovery', { recovered: true }),
      );
      log.warn(`recorded ${taskId}: its file was written but the server stopped before recording it`);
    }
  }

  /** What bees did while the server was down: claims taken and statuses rewritten. */
  private async reconcileBeeState(): Promise<void> {
    try {
      for (const name of await readdir(this.paths.claims)) await this.noticeClaim(name);
      for (const taskId of [...this.tasks.ids()]) {
        const ref = this.tasks.get(taskId);
        if (this.closed) return;
        if (ref?.location === 'tasks') await this.noticeTaskStatus('tasks', ref.botId, ref.fileName);
      }
    } catch (err) {
      log.warnOnce('reconcile', `could not reconcile claims and statuses: ${(err as Error).message}`);
    }
  }

  /** A bee rewrote a task's status: record the change, so the ledger and the live stream carry it. */
  private noticeTaskStatus(location: TaskLocation, botId: string, fileName: string): Promise<void> {
    const parsed = parseTaskFileName(fileName);
    if (location !== 'tasks' || !parsed) return Promise.resolve();
    return this.perTask.run(parsed.taskId, () => this.recordTaskStatus(parsed.taskId, botId, fileName));
  }

  private async recordTaskStatus(taskId: string, botId: string, fileName: string): Promise<void> {
    const known = this.view.get(taskId);
    if (!known || known.completed_at) return;
    const read = await readTaskFile(taskFilePath(this.paths, { botId, fileName, location: 'tasks' }));
    if (!read.ok) {
      if (!read.missing)
        log.warnOnce(`task-file:${fileName}:${read.reason}`, `tasks/${botId}/${fileName} is ${read.reason}`);
      return;
    }
    if (read.task.status === known.status) return;
    await this.ledger
      .append({
        event_type: 'task_status_changed',
        task_id: taskId,
        actor: botId,
        data: { status: read.task.status, previous: known.status },
      })
      .catch((err) => log.error(`could not record the status of ${taskId}`, err));
  }

  private noticeClaim(taskId: string): Promise<void> {
    return this.perTask.run(taskId, () => this.recordClaim(taskId));
  }

  private async recordClaim(taskId: string): Promise<void> {
    const known = this.view.get(taskId);
    if (!known || known.claimed_by !== null) return;
    const claim = await readClaim(this.paths.claims, taskId);
    if (!claim) return this.claimSettling.forget(taskId);
    // Caught between the bee's create and its write: look again once it has settled.
    if (!claim.whole && !this.claimSettling.settled(taskId, claim)) return;
    this.claimSettling.forget(taskId);
    await this.ledger
      .append({
        event_type: 'task_claimed',
        task_id: taskId,
        actor: claim.botId,
        data: { ...claim.raw, bot_id: claim.botId },
      })
      .catch((err) => log.error(`could not record the claim of ${taskId}`, err));
  }

  /** Reconciles the index with `responses/` on disk: at start-up, and as the slow fallback. */
  private async rescanResponses(noticedBy: NoticedBy): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.paths.responses);
    } catch (err) {
      log.warnOnce('responses-unreadable', `cannot read ${this.paths.responses}: ${(err as Error).message}`);
      return;
    }
    const present = new Set(names);
    for (const known of [...this.responses.names()]) if (!present.has(known)) this.responses.remove(known);
    this.settling.keepOnly(present);
    await Promise.all(names.filter((n) => !this.responses.has(n)).map((n) => this.noticeResponse(n, noticedBy)));
  }

  private async regularResponse(name: string): Promise<{ size: number; mtimeMs: number } | null> {
    try {
      const stat = await lstat(path.join(this.paths.responses, name));
      if (stat.isFile()) return stat;
      log.warnOnce(`response-kind:${name}`, `ignoring responses/${name}: not a regular file`);
    } catch {
      // Gone between the event and the look: nothing to index.
    }
    return null;
  }

  private async noticeResponse(name: string, noticedBy: NoticedBy): Promise<void> {
    // Dotfiles (.gitkeep, editors' swap files) are never responses.
    if (name.startsWith('.')) return;
    const stat = await this.regularResponse(name);
    if (!stat) return this.settling.forget(name);
    // Written in place and still being written (or empty): it counts once it settles.
    if (!this.settling.settled(name, stat)) return;
    this.responses.upsert(name, stat.mtimeMs);
    const owners = [...candidateTaskIds(name)].filter((id) => this.tasks.has(id));
    await Promise.all(owners.map((taskId) => this.complete(taskId, noticedBy)));
  }

  /** A response appeared (count it), changed (newest-wins needs its time) or vanished. */
  private async responseTouched(name: string): Promise<void> {
    if (!this.responses.has(name)) return this.noticeResponse(name, 'watcher');
    const stat = await this.regularResponse(name);
    if (stat) this.responses.upsert(name, stat.mtimeMs);
    else this.responses.remove(name);
  }

  /**
   * A response of the task was noticed: by its file event, the start-up scan, the poll, or
   * a dispatch. However often that happens, the completion is recorded once: this checks
   * the record first, one check per task at a time. (The ledger's unique index is the last
   * line of defence, not the mechanism.)
   */
  private complete(taskId: string, noticedBy: NoticedBy): Promise<void> {
    return this.perTask.run(taskId, () => this.completeOnce(taskId, noticedBy));
  }

  private async completeOnce(taskId: string, noticedBy: NoticedBy): Promise<void> {
    // Recorded already (a crash may have come before the archive move, so finish that).
    if (this.view.get(taskId)?.completed_at) return this.archive(taskId);
    const response = await this.executor.checkResponse(taskId);
    if (!response) return;
    this.waiters.wake(taskId, response);
    // A bee that claims a task, marks it `blocked` and answers right away (or did all that
    // while the server was down) must not have its claim and status overtaken by the
    // completion: record them first. Only bees that claimed the task rewrite it, so other
    // answers skip the read.
    const ref = this.tasks.get(taskId);
    if (ref?.location === 'tasks' && (await this.isClaimed(taskId))) {
      await this.recordClaim(taskId);
      await this.recordTaskStatus(taskId, ref.botId, ref.fileName);
    }
    try {
      await this.ledger.recordCompletion(taskId, SERVER_ACTOR, {
        response_path: response.response_path,
        noticed_by: noticedBy,
      });
      this.unrecordedCompletions.delete(taskId);
      await this.archive(taskId);
    } catch (err) {
      // Retried by the poll, so a full disk delays the record but never loses it.
      if (!this.unrecordedCompletions.has(taskId))
        log.error(`could not record completion of ${taskId}; will retry`, err);
      this.unrecordedCompletions.add(taskId);
    }
  }

  private async isClaimed(taskId: string): Promise<boolean> {
    return access(path.join(this.paths.claims, taskId)).then(
      () => true,
      () => false,
    );
  }

  /** Finished tasks leave the bees' inbox for `archive/{bot_id}/`. */
  private async archive(taskId: string): Promise<void> {
    const ref = this.tasks.get(taskId);
    if (!ref || ref.location !== 'tasks') return;
    const archived = { ...ref, location: 'archive' as const };
    const to = taskFilePath(this.paths, archived);
    try {
      await realFolder(path.dirname(to), `archive/${ref.botId}`);
      await moveNoClobber(taskFilePath(this.paths, ref), to);
    } catch (err) {
      log.warnOnce(`archive:${taskId}`, `could not archive ${taskId}: ${(err as Error).message}`);
      return;
    }
    this.tasks.set(archived);
    await this.ledger
      .append({
        event_type: 'task_archived',
        task_id: taskId,
        actor: SERVER_ACTOR,
        data: { task_path: relativeToRoot(this.paths, to) },
      })
      .catch((err) => log.error(`could not record archiving of ${taskId}`, err));
  }
}
