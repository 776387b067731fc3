/**
 * The hive's Prometheus metrics (GET /api/metrics, DESIGN §6), in a registry of its own per
 * hive. Gauges and counters are read at scrape time from what the server already keeps
 * (per-bot counters in bot_view, counts in task_view, bee presence), so the counters are
 * the ledger's own numbers and a restart does not reset them. The two latency histograms
 * are observed as the work happens: a dispatch as it is recorded, a completion as its
 * task_completed event is committed.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { LedgerEvent } from '../contracts/ledger';
import { TASK_STATES } from '../contracts/task-state';
import { COUNTED_STATES, type BotView } from './bot-view';
import type { Ledger } from './ledger';
import type { BeePresenceTracker } from './presence';
import type { TaskView } from './task-view';
import type { Waiters } from './waiters';

/** The exposition format served (text 0.0.4), as prom-client writes it. */
export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

export interface MetricsSources {
  ledger: Ledger;
  view: TaskView;
  bots: BotView;
  presence: BeePresenceTracker;
  waiters: Pick<Waiters<unknown>, 'pending'>;
  /** The hive's clock (ms). */
  now(): number;
}

export class HiveMetrics {
  readonly registry = new Registry();
  private readonly tasks;
  private readonly inboxDepth;
  private readonly oldestWaiting;
  private readonly paused;
  private readonly botLiveBees;
  private readonly liveBees;
  private readonly waitingRequests;
  private readonly dispatched;
  private readonly completed;
  private readonly cancelled;
  private readonly dispatchSeconds;
  private readonly completionSeconds;
  private readonly onAppended = (events: LedgerEvent[]) => this.observeCompletions(events);

  constructor(private readonly sources: MetricsSources) {
    const registers = [this.registry];
    this.tasks = new Gauge({
      name: 'hive_tasks',
      help: 'Tasks by delivery state and bot (open states from the per-bot counters, completed and cancelled counted in task_view).',
      labelNames: ['bot_id', 'state'] as const,
      registers,
    });
    this.inboxDepth = new Gauge({
      name: 'hive_inbox_depth',
      help: "Tasks waiting in the bot's inbox, unclaimed.",
      labelNames: ['bot_id'] as const,
      registers,
    });
    this.oldestWaiting = new Gauge({
      name: 'hive_inbox_oldest_waiting_seconds',
      help: 'How long the oldest waiting task of the bot has waited (0 when none waits).',
      labelNames: ['bot_id'] as const,
      registers,
    });
    this.paused = new Gauge({
      name: 'hive_bot_paused',
      help: '1 while the bot is paused (its new tasks are held).',
      labelNames: ['bot_id'] as const,
      registers,
    });
    this.botLiveBees = new Gauge({
      name: 'hive_bot_live_bees',
      help: 'Live bees serving the bot.',
      labelNames: ['bot_id'] as const,
      registers,
    });
    this.liveBees = new Gauge({ name: 'hive_live_bees', help: 'Bees whose heartbeat is current.', registers });
    this.waitingRequests = new Gauge({
      name: 'hive_waiting_requests',
      help: 'Requests waiting for a response (wait_for_response), out of HIVE_MAX_WAITERS.',
      registers,
    });
    this.dispatched = new Counter({
      name: 'hive_tasks_dispatched_total',
      help: 'Tasks dispatched (recorded task_dispatched), since the hive began.',
      registers,
    });
    this.completed = new Counter({
      name: 'hive_tasks_completed_total',
      help: 'Tasks completed (recorded task_completed), since the hive began.',
      registers,
    });
    this.cancelled = new Counter({
      name: 'hive_tasks_cancelled_total',
      help: 'Tasks cancelled (recorded task_cancelled), since the hive began.',
      registers,
    });
    this.dispatchSeconds = new Histogram({
      name: 'hive_dispatch_duration_seconds',
      help: 'Per dispatched task: from the dispatch call (one task, or a run-many batch) until its files are written and its events committed.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.completionSeconds = new Histogram({
      name: 'hive_completion_latency_seconds',
      help: 'From dispatch to task_completed, observed as each completion is recorded by this process.',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 4 * 3600, 24 * 3600],
      registers,
    });
  }

  /**
   * Observes completions as they are committed from now on. A hive calls it once the events
   * it replays at start-up are in: a Postgres mirror catching up on the ledger is reading
   * history, not completions this process saw, and would count them on every restart.
   */
  listen(): void {
    this.sources.ledger.events.on('appended', this.onAppended);
  }

  close(): void {
    this.sources.ledger.events.off('appended', this.onAppended);
  }

  /**
   * `tasks` tasks were dispatched `seconds` after the call (a batch's tasks all wait for its
   * one commit), so the histogram's count is the number of tasks this process dispatched.
   */
  observeDispatch(tasks: number, seconds: number): void {
    for (let i = 0; i < tasks; i++) this.dispatchSeconds.observe(seconds);
  }

  /** The hive's metrics and the process's (memory, event loop, GC), in the text format. */
  async scrape(): Promise<string> {
    this.refresh();
    return Registry.merge([this.registry, processRegistry()]).metrics();
  }

  /** Reads every gauge and counter from the hive as it is now, in one go, so a scrape is one snapshot. */
  private refresh(): void {
    const { view, bots, presence, waiters } = this.sources;
    const now = this.sources.now();
    const rows = bots.all();
    const finished = view.finishedCounts();
    const live = presence.list().filter((b) => b.live);
    const botIds = new Set([...rows.map((r) => r.bot_id), ...finished.map((f) => f.bot_id)]);
    for (const bee of live) for (const bot of bee.record.bots) botIds.add(bot);

    for (const gauge of [this.tasks, this.inboxDepth, this.oldestWaiting, this.paused, this.botLiveBees]) gauge.reset();
    const byBot = new Map(rows.map((r) => [r.bot_id, r]));
    for (const botId of botIds) {
      const row = byBot.get(botId);
      for (const state of TASK_STATES) this.tasks.set({ bot_id: botId, state }, 0);
      for (const state of COUNTED_STATES) this.tasks.set({ bot_id: botId, state }, row?.[state] ?? 0);
      const waiting = row?.waiting ?? 0;
      this.inboxDepth.set({ bot_id: botId }, waiting);
      const oldest = waiting > 0 ? view.oldestWaiting(botId) : null;
      this.oldestWaiting.set({ bot_id: botId }, oldest ? Math.max(0, (now - Date.parse(oldest)) / 1000) : 0);
      this.paused.set({ bot_id: botId }, row?.paused === 1 ? 1 : 0);
      this.botLiveBees.set({ bot_id: botId }, live.filter((b) => b.record.bots.includes(botId)).length);
    }
    let completed = 0;
    let cancelled = 0;
    for (const { bot_id, state, n } of finished) {
      this.tasks.set({ bot_id, state }, n);
      if (state === 'completed') completed += n;
      else cancelled += n;
    }
    this.liveBees.set(live.length);
    this.waitingRequests.set(waiters.pending);
    // Counters are the database's counts: a restart, or another process's scrape, sees the same numbers.
    setCounter(this.dispatched, view.size());
    setCounter(this.completed, completed);
    setCounter(this.cancelled, cancelled);
  }

  private observeCompletions(events: LedgerEvent[]): void {
    for (const event of events) {
      if (event.event_type !== 'task_completed' || !event.task_id) continue;
      const created = this.sources.view.get(event.task_id)?.created_at;
      if (!created) continue;
      this.completionSeconds.observe(Math.max(0, (Date.parse(event.ts) - Date.parse(created)) / 1000));
    }
  }
}

function setCounter(counter: Counter, value: number): void {
  counter.reset();
  counter.inc(value);
}

const globalForMetrics = globalThis as unknown as { hiveProcessMetrics?: Registry };

/** Node's own metrics (resident memory, heap, event-loop delay, GC), once per process whatever the number of hives. */
function processRegistry(): Registry {
  if (!globalForMetrics.hiveProcessMetrics) {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    globalForMetrics.hiveProcessMetrics = registry;
  }
  return globalForMetrics.hiveProcessMetrics;
}
