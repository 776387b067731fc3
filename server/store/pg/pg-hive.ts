/**
 * One server of a hive kept in PostgreSQL (DESIGN §9): the database holds the truth
 * (tasks, claims with leases, answers, bees, pauses and the append-only ledger); this
 * server holds a mirror of the ledger and its read models, fed in commit order, so list,
 * health, timelines, export and the live stream are the same code as the embedded hive's
 * and cost no database round trip. Any number of servers may run on one database.
 */
import os from 'node:os';
import path from 'node:path';
import type { Health } from '../../contracts/health';
import type { CancelledOutcome, CompletedResponse } from '../../contracts/task';
import type { LedgerEvent } from '../../contracts/ledger';
import { BackgroundWork, reloadRouting, shutDown } from '../../core/background';
import { BotView } from '../../core/bot-view';
import { Executor } from '../../core/executor';
import type { CoreParts } from '../../core/hive-parts';
import { hivePaths } from '../../core/hive-paths';
import { type Ledger } from '../../core/ledger';
import { log } from '../../core/log';
import { HiveMetrics } from '../../core/metrics';
import { PerKeyQueue } from '../../core/per-key-queue';
import { BeePresenceTracker } from '../../core/presence';
import { processAlive } from '../../core/processes';
import { RoutingTableStore } from '../../core/routing';
import { HiveService } from '../../core/service';
import { TaskView } from '../../core/task-view';
import { Waiters } from '../../core/waiters';
import { PgActions } from './pg-actions';
import { PgBees } from './pg-bees';
import { PgDb } from './pg-db';
import { databaseError } from './pg-errors';
import { openMirror } from './pg-mirror';
import { openPool } from './pg-pool';
import { PgPresence } from './pg-presence';
import { migrate } from './pg-schema';
import { PgTail } from './pg-tail';
import { PgTaskStore } from './pg-task-store';

export interface PgHiveOptions {
  /** postgres://… (HIVE_DATABASE_URL). */
  databaseUrl: string;
  /** Where this server reads its routing table (`.deia/routing.json` under it). */
  root: string;
  maxWaiters?: number;
  /** The backstop read of the ledger, for notifications lost while the listener reconnects. */
  pollMs?: number;
  longRunningMs?: number;
  presenceCheckMs?: number;
  leaseMs?: number;
  poolSize?: number;
  /** Where this server keeps its mirror of the ledger between runs (HIVE_MIRROR_DIR). */
  mirrorDir?: string;
}

export class PgHive {
  readonly service: HiveService;
  readonly ledger: Ledger;
  readonly tail: PgTail;
  readonly bees: PgBees;
  private readonly db: PgDb;
  private readonly store: PgTaskStore;
  readonly executor: Executor;
  readonly waiters: Waiters<CompletedResponse | CancelledOutcome>;
  private readonly routing: RoutingTableStore;
  private readonly presence: PgPresence;
  private readonly metrics: HiveMetrics;
  private readonly perTask = new PerKeyQueue();
  private readonly background = new BackgroundWork();
  private readonly onAppended = (events: LedgerEvent[]) => this.wakeWaiters(events);
  private closed = false;

  private constructor(
    private readonly options: PgHiveOptions,
    db: PgDb,
    ledger: Ledger,
  ) {
    const pool = db.pool;
    this.db = db;
    this.ledger = ledger;
    const bots = new BotView(this.ledger.db);
    const view = new TaskView(this.ledger, bots);
    this.tail = new PgTail(pool, options.databaseUrl, this.ledger, { pollMs: options.pollMs ?? 1000 });
    this.db.tail = this.tail;
    this.routing = new RoutingTableStore(hivePaths(options.root).routingFile);
    this.waiters = new Waiters(options.maxWaiters ?? 1000);
    const now = Date.now;
    const tracker = new BeePresenceTracker({ now, host: os.hostname(), processAlive });
    this.metrics = new HiveMetrics({ ledger: this.ledger, view, bots, presence: tracker, waiters: this.waiters, now });
    this.store = new PgTaskStore(this.db, this.routing);
    this.executor = new Executor({
      store: this.store,
      ledger: this.ledger,
      waiters: this.waiters,
      view,
      // Nothing a bee does can come before its task's row exists: there is nothing to replay.
      onDispatched: () => undefined,
      observeDispatch: (tasks, seconds) => this.metrics.observeDispatch(tasks, seconds),
    });
    const parts: CoreParts = {
      ledger: this.ledger,
      view,
      bots,
      routing: this.routing,
      waiters: this.waiters,
      executor: this.executor,
      presence: tracker,
      metrics: this.metrics,
      perTask: this.perTask,
      now,
      longRunningMs: options.longRunningMs ?? 3_600_000,
    };
    this.presence = new PgPresence(this.db, tracker, view);
    this.bees = new PgBees(this.db, parts, this.presence, options.leaseMs ?? 60_000);
    this.service = new HiveService(
      parts,
      new PgActions(this.db, parts),
      () => this.health(),
      this.bees,
      // What every server committed, and (for reads that judge bees) what every server heard.
      async (bees) => {
        await Promise.all([this.tail.catchUp(), bees ? this.presence.refresh() : undefined]).catch((err: unknown) => {
          throw databaseError(err);
        });
      },
    );
  }

  static async open(options: PgHiveOptions): Promise<PgHive> {
    const db = new PgDb(openPool(options.databaseUrl, options.poolSize ?? 10));
    let hive: PgHive | undefined;
    try {
      // The schema first: the mirror is named after the hive it describes.
      const applied = await migrate(db.pool);
      if (applied.length)
        log.info(`database schema: applied ${applied.map((m) => `${m.version} (${m.name})`).join(', ')}`);
      const { ledger } = await openMirror(db, options.mirrorDir ?? path.join(os.tmpdir(), 'hive-control-mirror'));
      hive = new PgHive(options, db, ledger);
      await hive.start();
      return hive;
    } catch (err) {
      if (hive) await hive.close();
      else await db.pool.end().catch(() => undefined);
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
    this.ledger.events.off('appended', this.onAppended);
    this.bees.close();
    this.service.close();
    this.metrics.close();
    await this.perTask.stop();
    await this.tail.close();
    this.ledger.close();
    await this.db.pool.end().catch(() => undefined);
  }

  health(): Health {
    return {
      status: 'ok',
      ...this.store.counts(),
      waiting: this.waiters.pending,
      routing_source: this.routing.active.source,
      ledger_last_id: this.ledger.lastId(),
      rescans: 0,
    };
  }

  private async start(): Promise<void> {
    const applied = await migrate(this.db.pool);
    if (applied.length)
      log.info(`database schema: applied ${applied.map((m) => `${m.version} (${m.name})`).join(', ')}`);
    await reloadRouting(this.routing);
    await this.tail.start();
    // Only now: what the mirror just caught up on happened before this server started.
    this.metrics.listen();
    this.ledger.events.on('appended', this.onAppended);
    this.bees.start();
    await this.store.recount();
    await this.presence.check();
    this.background.every(this.options.presenceCheckMs ?? 2000, () => this.presence.check());
    this.background.every(this.options.pollMs ?? 5000, () => reloadRouting(this.routing));
    this.background.every(5000, () => this.store.recount());
    log.info(
      `hive in PostgreSQL: ${this.store.counts().tasks} tasks, ledger at ${this.ledger.lastId()}, routing from ${this.routing.active.source}`,
    );
  }

  /** Waits are woken by committed events, whichever server committed them. */
  private wakeWaiters(events: LedgerEvent[]): void {
    for (const event of events) {
      const taskId = event.task_id;
      if (!taskId || !this.waiters.has(taskId)) continue;
      if (event.event_type === 'task_cancelled') this.waiters.wake(taskId, { status: 'cancelled', task_id: taskId });
      if (event.event_type === 'task_completed') {
        void this.store.latestResponse(taskId).then((response) => response && this.waiters.wake(taskId, response));
      }
    }
  }
}
