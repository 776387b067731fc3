/**
 * One hive, assembled and running: the ledger and its read models, the indexes rebuilt
 * from disk, the routing table, the watcher, bee presence, and the timers that stand in
 * for lost file events and judge bees' heartbeats. What the files mean is the reactor's
 * and TaskActivity's; what operators can do is the service's.
 */
import os from 'node:os';
import { LEASE_SECONDS } from '../contracts/bee-protocol';
import type { Health } from '../contracts/health';
import type { CancelledOutcome, CompletedResponse } from '../contracts/task';
import { cancelTask } from './actions/cancel';
import { pauseBot, releaseHeld, resumeBot } from './actions/pause';
import { reassignTask } from './actions/reassign';
import { reclaimTask } from './actions/reclaim';
import { BackgroundWork, reloadRouting, shutDown } from './background';
import { BotView } from './bot-view';
import { claimIsLive } from './bots-health';
import { SERVER_ACTOR } from './claims';
import { Executor } from './executor';
import { FileTaskStore } from './file-task-store';
import { lockHive, type HiveLock } from './hive-lock';
import type { HiveParts } from './hive-parts';
import { ensureHiveDirs, hivePaths, type HivePaths } from './hive-paths';
import { watchHive } from './hive-watcher';
import { Ledger } from './ledger';
import { log } from './log';
import { HiveMetrics } from './metrics';
import { PerKeyQueue } from './per-key-queue';
import { BeePresenceTracker } from './presence';
import { processAlive } from './processes';
import { RemoteBees } from './remote/remote-bees';
import { HiveReactor } from './reactor';
import { rebuildTaskIndex, reconcileBeeState, recordUnrecordedTasks, sweepScratch } from './recovery';
import { ResponseIndex } from './response-index';
import { RoutingTableStore } from './routing';
import { HiveService } from './service';
import { TaskActivity } from './task-activity';
import { TaskIndex } from './task-index';
import { TaskView } from './task-view';
import { Waiters } from './waiters';

export interface HiveOptions {
  root: string;
  /** Most requests that may wait for a response at once; more get 429. */
  maxWaiters?: number;
  /** The fallback re-scan of `responses/`, bees and the routing file, for lost file events. */
  pollMs?: number;
  /** How long a response or claim written in place must stay unchanged before it counts (file-settling.ts). */
  responseQuietMs?: number;
  /** In progress longer than this is reported as long running (HIVE_LONG_RUNNING_S). */
  longRunningMs?: number;
  /** How often bees' liveness is judged again (their heartbeats age, their processes die). */
  presenceCheckMs?: number;
  /** How long a lease of a task claimed over HTTP lasts unless renewed (DESIGN §8: 60 s). */
  leaseMs?: number;
  /** The hive's clock, for tests that move time. */
  now?: () => number;
}

export class Hive {
  readonly paths: HivePaths;
  readonly ledger: Ledger;
  readonly view: TaskView;
  readonly bots: BotView;
  readonly tasks = new TaskIndex();
  readonly responses = new ResponseIndex();
  readonly routing: RoutingTableStore;
  readonly waiters: Waiters<CompletedResponse | CancelledOutcome>;
  readonly executor: Executor;
  readonly store: FileTaskStore;
  readonly presence: BeePresenceTracker;
  readonly metrics: HiveMetrics;
  /** What transports call: every operation on the hive. */
  readonly service: HiveService;
  /**
   * Settles once start-up has recorded the claims and status rewrites bees made while the
   * server was down. It runs in the background: the hive serves requests meanwhile.
   */
  reconciled: Promise<void> = Promise.resolve();
  private readonly parts: HiveParts;
  private readonly activity: TaskActivity;
  private readonly reactor: HiveReactor;
  private readonly remote: RemoteBees;
  private stopWatching: (() => void) | null = null;
  private readonly background = new BackgroundWork();
  private rescans = 0;
  private closed = false;

  private constructor(
    paths: HivePaths,
    options: HiveOptions,
    private readonly lock: HiveLock,
  ) {
    const now = options.now ?? Date.now;
    const quietMs = options.responseQuietMs ?? 100;
    this.paths = paths;
    this.ledger = new Ledger(paths.ledgerFile);
    this.bots = new BotView(this.ledger.db);
    this.view = new TaskView(this.ledger, this.bots);
    this.routing = new RoutingTableStore(paths.routingFile);
    this.waiters = new Waiters(options.maxWaiters ?? 1000);
    this.presence = new BeePresenceTracker(
      { now, host: os.hostname(), processAlive },
      this.bots
        .bees()
        .filter((b) => b.online)
        .map((b) => b.bee),
    );
    this.metrics = new HiveMetrics({
      ledger: this.ledger,
      view: this.view,
      bots: this.bots,
      presence: this.presence,
      waiters: this.waiters,
      now,
    });
    // This ledger is the file itself: nothing is replayed through it at start-up, so from here on.
    this.metrics.listen();
    const perTask = new PerKeyQueue();
    this.store = new FileTaskStore({
      paths,
      ledger: this.ledger,
      tasks: this.tasks,
      responses: this.responses,
      routing: this.routing,
      bots: this.bots,
      onWritten: (written) => this.reactor.wrote(written),
    });
    this.executor = new Executor({
      store: this.store,
      ledger: this.ledger,
      waiters: this.waiters,
      view: this.view,
      onDispatched: (results) => {
        for (const { task_id, state, bot_id } of results) {
          // What a bee did before the task was recorded (claimed it, answered it) counts now;
          // a response that landed before, from a bee the hive never saw claim it, too.
          const replayed = this.activity.dispatchRecorded(task_id);
          if (!replayed && this.responses.latestFor(task_id)) void this.activity.noticeResponse(task_id, 'dispatch');
          // Held for a bot resumed while the task was being written: it goes to the inbox after all.
          if (state === 'held' && !this.bots.isPaused(bot_id)) void this.service.releaseHeld(task_id);
        }
      },
      observeDispatch: (tasks, seconds) => this.metrics.observeDispatch(tasks, seconds),
    });
    this.parts = {
      paths,
      ledger: this.ledger,
      view: this.view,
      bots: this.bots,
      tasks: this.tasks,
      responses: this.responses,
      routing: this.routing,
      waiters: this.waiters,
      executor: this.executor,
      presence: this.presence,
      metrics: this.metrics,
      perTask,
      now,
      longRunningMs: options.longRunningMs ?? 3_600_000,
    };
    this.activity = new TaskActivity(this.parts, quietMs);
    this.reactor = new HiveReactor(this.parts, this.activity, quietMs);
    this.remote = new RemoteBees(this.parts, this.activity, {
      leaseMs: options.leaseMs ?? LEASE_SECONDS * 1000,
      beeHeard: (record) => this.reactor.beeSeen(record),
      responsePublished: (name) => this.reactor.responsePublished(name),
    });
    const parts = this.parts;
    const activity = this.activity;
    this.service = new HiveService(
      parts,
      {
        cancel: (taskId, input, actor) => cancelTask(parts, activity, taskId, input, actor),
        reassign: (taskId, input, actor) => reassignTask(parts, activity, taskId, input, actor),
        reclaim: (taskId, actor) => reclaimTask(parts, taskId, actor),
        pause: (botId, actor) => pauseBot(parts, botId, actor),
        resume: (botId, actor) => resumeBot(parts, botId, actor),
        releaseHeld: (taskId, actor) => releaseHeld(parts, taskId, actor),
      },
      () => this.health(),
      this.remote,
    );
  }

  static async open(options: HiveOptions): Promise<Hive> {
    const paths = hivePaths(options.root);
    await ensureHiveDirs(paths);
    // Before anything is read or written: a second server on these files is refused here.
    const lock = lockHive(paths);
    let hive: Hive | undefined;
    try {
      hive = new Hive(paths, options, lock);
      await hive.start(options);
      return hive;
    } catch (err) {
      if (hive) await hive.close();
      else lock.release();
      throw err;
    }
  }

  /** Stops the server's work so every reply already given stays true (background.ts), then closes. */
  shutdown(graceMs = 5000): Promise<void> {
    return shutDown(this, graceMs);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.executor.stopAccepting();
    this.waiters.closeAll();
    this.background.stop();
    this.remote.close();
    this.reactor.close();
    this.activity.close();
    this.service.close();
    this.metrics.close();
    this.stopWatching?.();
    // What is being recorded (a completion and its archive move) finishes before the ledger closes.
    await this.parts.perTask.stop();
    this.ledger.close();
    this.lock.release();
  }

  /** Readiness and the hive's size, for /api/health. */
  health(): Health {
    return {
      status: 'ok',
      ...this.store.counts(),
      waiting: this.waiters.pending,
      routing_source: this.routing.active.source,
      ledger_last_id: this.ledger.lastId(),
      rescans: this.rescans,
    };
  }

  private async start(options: HiveOptions): Promise<void> {
    await reloadRouting(this.routing);
    const reactor = this.reactor;
    // Watch first, then scan: a file landing in between is seen by one or the other,
    // and every reaction is idempotent.
    this.stopWatching = await watchHive(this.paths, {
      responseTouched: (name) => void reactor.responseTouched(name),
      taskFileTouched: (location, botId, fileName) => void reactor.taskFileTouched(location, botId, fileName),
      claimTouched: (taskId) => void reactor.claimTouched(taskId),
      beeTouched: (name) => void reactor.beeTouched(name),
      routingFileTouched: () => void reloadRouting(this.routing),
      error: (err) => log.error('watcher error', err),
    });
    await rebuildTaskIndex(this.parts);
    await sweepScratch(this.parts);
    await recordUnrecordedTasks(this.parts);
    await reactor.rescanResponses('startup');
    await reactor.rescanBees(true);
    this.reconciled = reconcileBeeState(this.parts, this.activity);
    await this.remote.start();
    this.background.every(options.pollMs ?? 5000, () => this.rescan());
    this.background.every(options.presenceCheckMs ?? 2000, () => this.checkBees());
    log.info(
      `hive at ${this.paths.root}: ${this.tasks.size} tasks, ${this.responses.size} responses, routing from ${this.routing.active.source}`,
    );
  }

  /** The slow fallback for file systems that lose events, and the retry of completions a full disk held back. */
  private async rescan(): Promise<void> {
    await Promise.all([
      this.reactor.rescanResponses('poll'),
      this.reactor.rescanBees(),
      reloadRouting(this.routing),
      this.activity.retryUnrecorded(),
    ]);
    this.rescans++;
  }

  /**
   * Bees' liveness, judged again; and a cancel whose bee died before acknowledging it ends
   * as cancelled (nobody is left to stop).
   */
  private async checkBees(): Promise<void> {
    // Judged as of before the waiting bees are noted live, so a bee waiting on a claim never ages past it.
    const at = this.parts.now();
    await this.remote.keepWaitingBeesLive();
    await this.reactor.checkBees(at);
    const live = this.presence.live();
    for (const row of this.view.inState('cancelling')) {
      if (claimIsLive(row, live)) continue;
      await this.parts.perTask.run(row.task_id, async () => {
        if (this.view.get(row.task_id)?.state !== 'cancelling') return;
        await this.activity.cancelled(row.task_id, { reason: 'the bee holding it is gone' }, SERVER_ACTOR);
      });
    }
  }
}
