/**
 * The hive as its clients use it: every operation the REST routes, the tRPC procedures and
 * the dashboard's pages call, each a thin door onto the core function that does it. The
 * transports parse input with the shared schemas and call this; nothing else of the hive
 * is theirs to touch.
 */
import type {
  ActionResult,
  BulkInput,
  BulkStarted,
  BulkStatus,
  ExplainResult,
  ExportInput,
  PauseResult,
  ReassignResult,
  ReclaimResult,
  RetryInput,
  RetryResult,
  RunManyResult,
  TaskHistory,
} from '../contracts/actions';
import type { BotsHealth, Health } from '../contracts/health';
import type { RoutingInfo, TaskDetail, Timeline } from '../contracts/hive';
import type { LedgerEvent, LiveEvent } from '../contracts/ledger';
import type { TaskList, TaskListQuery } from '../contracts/task-list';
import type { DispatchResult, RunTaskInput, StatusResult, WaitOutcome } from '../contracts/task';
import { BulkJobs } from './actions/bulk';
import { exportTasks } from './actions/export';
import { retryTask } from './actions/retry';
import { requireTask } from './actions/turn';
import { botsHealth } from './bots-health';
import { SERVER_ACTOR } from './claims';
import type { ExecuteOptions } from './executor';
import type { CoreParts } from './hive-parts';
import { followLedger } from './live';
import { explainRoute } from './routing';
import type { BeeProtocol } from './remote/bee-protocol';
import type { StuckCriteria } from './task-view';

/** How much of a long summary the live stream and timelines carry (the task file has it all). */
const SUMMARY_IN_EVENTS = 2000;

/**
 * The operator actions that change who holds a task or where it waits: each store does them
 * its own way (files and claim files; rows under a lock), with the same contract and events.
 */
export interface TaskActions {
  cancel(taskId: string, input: { reason?: string | undefined }, actor: string): Promise<ActionResult>;
  reassign(taskId: string, input: { bot_id: string; dry_run: boolean }, actor: string): Promise<ReassignResult>;
  reclaim(taskId: string, actor: string): Promise<ReclaimResult>;
  pause(botId: string, actor: string): Promise<PauseResult>;
  resume(botId: string, actor: string): Promise<PauseResult>;
  /** A task held for a bot that is no longer paused goes to its inbox. */
  releaseHeld(taskId: string, actor: string): Promise<void>;
}

export class HiveService {
  private readonly bulkJobs: BulkJobs;

  constructor(
    private readonly parts: CoreParts,
    private readonly actions: TaskActions,
    readonly health: () => Health,
    /** The bee protocol over HTTP (DESIGN §8), for bees with no access to the hive's files. */
    readonly bees: BeeProtocol,
    /**
     * Resolves once the read models hold everything committed before the call (and, with
     * `bees`, every bee heard before it). With one server they always do; with several
     * (Postgres), a read after a write on another server must still see it.
     */
    private readonly caughtUp: (bees: boolean) => Promise<void> = () => Promise.resolve(),
  ) {
    this.bulkJobs = new BulkJobs(parts, () => this.stuckCriteria());
  }

  close(): void {
    this.bulkJobs.close();
  }

  // Tasks ----------------------------------------------------------------------------------

  run(input: RunTaskInput, options: ExecuteOptions): Promise<DispatchResult> {
    return this.parts.executor.execute(input, options);
  }

  runMany(items: readonly unknown[], actor: string): Promise<RunManyResult> {
    return this.parts.executor.executeMany(items, actor);
  }

  async wait(taskId: string, timeoutSeconds: number, signal?: AbortSignal): Promise<WaitOutcome> {
    await this.caughtUp(false);
    return this.parts.executor.wait(taskId, timeoutSeconds * 1000, signal);
  }

  async status(taskId: string): Promise<StatusResult> {
    await this.caughtUp(false);
    return this.parts.executor.status(taskId);
  }

  async detail(taskId: string): Promise<TaskDetail> {
    await this.caughtUp(false);
    return this.parts.executor.detail(taskId);
  }

  /** The task's ledger events in order, with the time each step took. */
  async timeline(taskId: string): Promise<Timeline> {
    await this.caughtUp(false);
    const events = this.parts.ledger.forTask(taskId).map(forClients);
    const start = events[0] ? Date.parse(events[0].ts) : 0;
    return {
      task_id: taskId,
      events: events.map((event, i) => ({
        ...event,
        since_previous_ms: i === 0 ? null : Date.parse(event.ts) - Date.parse(events[i - 1]!.ts),
        since_start_ms: Date.parse(event.ts) - start,
      })),
    };
  }

  async list(query: TaskListQuery): Promise<TaskList> {
    await this.caughtUp(true);
    return this.parts.view.list(query, this.stuckCriteria());
  }

  /**
   * Every ledger event after `afterId` (the tip when null), then each new one as it is
   * committed, with its task's delivery state as of delivery.
   */
  async *live(afterId: number | null, signal?: AbortSignal): AsyncGenerator<LiveEvent> {
    if (afterId === null) await this.caughtUp(false);
    const from = afterId ?? this.parts.ledger.lastId();
    for await (const event of followLedger(this.parts.ledger, from, signal)) {
      const state = event.task_id ? (this.parts.view.get(event.task_id)?.state ?? null) : null;
      yield { ...forClients(event), state };
    }
  }

  async lastEventId(): Promise<number> {
    await this.caughtUp(false);
    return this.parts.ledger.lastId();
  }

  // Health ---------------------------------------------------------------------------------

  async bots(): Promise<BotsHealth> {
    await this.caughtUp(true);
    const { view, bots, presence, longRunningMs } = this.parts;
    return botsHealth({
      now: this.parts.now(),
      longRunningMs,
      bots: bots.all(),
      oldestWaiting: (botId) => view.oldestWaiting(botId),
      claimed: [
        ...view.inState('claimed'),
        ...view.inState('in_progress'),
        ...view.inState('cancelling'),
        // Blocked with no answer yet: a bee still holds it (waiting on a person, or gone).
        ...view.inState('blocked').filter((row) => row.claimed_by !== null && row.completed_at === null),
      ],
      bees: presence.list(),
      offline: new Map(
        bots
          .bees()
          .filter((b) => !b.online)
          .map((b) => [b.bee, b]),
      ),
    });
  }

  /** The Prometheus metrics of the hive and this process, in the text exposition format. */
  metrics(): Promise<string> {
    return this.parts.metrics.scrape();
  }

  private stuckCriteria(): StuckCriteria {
    const live = this.parts.presence.live();
    return {
      liveBots: [...live.bots],
      liveBees: [...live.bees],
      longRunningBefore: new Date(this.parts.now() - this.parts.longRunningMs).toISOString(),
    };
  }

  // Routing --------------------------------------------------------------------------------

  routingInfo(): RoutingInfo {
    const { active, error } = this.parts.routing;
    return { source: active.source, loaded_at: active.loadedAt, table: active.table, error };
  }

  explain(intent: string): ExplainResult {
    return explainRoute(intent, this.parts.routing.active);
  }

  // Operator actions -----------------------------------------------------------------------

  cancel(taskId: string, input: { reason?: string | undefined }, actor: string): Promise<ActionResult> {
    return this.actions.cancel(taskId, input, actor);
  }

  retry(taskId: string, edits: RetryInput, actor: string): Promise<RetryResult> {
    return retryTask(this.parts, taskId, edits, actor);
  }

  reassign(taskId: string, input: { bot_id: string; dry_run: boolean }, actor: string): Promise<ReassignResult> {
    return this.actions.reassign(taskId, input, actor);
  }

  reclaim(taskId: string, actor: string): Promise<ReclaimResult> {
    return this.actions.reclaim(taskId, actor);
  }

  pause(botId: string, actor: string): Promise<PauseResult> {
    return this.actions.pause(botId, actor);
  }

  resume(botId: string, actor: string): Promise<PauseResult> {
    return this.actions.resume(botId, actor);
  }

  /** A task held for a bot that is no longer paused goes to its inbox. */
  releaseHeld(taskId: string): Promise<void> {
    return this.actions.releaseHeld(taskId, SERVER_ACTOR);
  }

  async bulk(input: BulkInput, actor: string): Promise<BulkStarted> {
    if (input.dry_run) return { bulk_id: null, matched: this.bulkJobs.match(input).length, dry_run: true };
    const step = (taskId: string, stepActor: string): Promise<unknown> => {
      switch (input.action) {
        case 'cancel':
          return this.cancel(taskId, { reason: input.reason }, stepActor);
        case 'retry':
          return this.retry(taskId, { reason: input.reason }, stepActor);
        case 'reassign':
          return this.reassign(taskId, { bot_id: input.bot_id!, dry_run: false }, stepActor);
        case 'reclaim':
          return this.reclaim(taskId, stepActor);
      }
    };
    return { ...(await this.bulkJobs.start(input, step, actor)), dry_run: false };
  }

  bulkStatus(bulkId: string): BulkStatus {
    return this.bulkJobs.status(bulkId);
  }

  /** How many tasks a filter matches now (the dashboard shows it before a bulk action is confirmed). */
  async count(filter: Omit<TaskListQuery, 'cursor' | 'limit'>): Promise<number> {
    await this.caughtUp(true);
    return this.parts.view.count(filter, this.stuckCriteria());
  }

  exportTasks(input: ExportInput): AsyncGenerator<string> {
    return exportTasks(this.parts.view, input, this.stuckCriteria());
  }

  /** One task's whole story: its row, its file, every event, its response, and its lineage. */
  async exportTask(taskId: string): Promise<TaskHistory> {
    await this.caughtUp(false);
    requireTask(this.parts, taskId);
    const detail = await this.detail(taskId);
    return {
      task_id: taskId,
      exported_at: new Date(this.parts.now()).toISOString(),
      row: detail.row,
      task: detail.task,
      response: detail.response,
      events: this.parts.ledger.forTask(taskId),
    };
  }
}

/** Events as clients get them: a summary of a whole spec is cut short (the task file keeps it all). */
function forClients(event: LedgerEvent): LedgerEvent {
  const summary = event.data.summary;
  if (typeof summary !== 'string' || summary.length <= SUMMARY_IN_EVENTS) return event;
  return {
    ...event,
    data: { ...event.data, summary: summary.slice(0, SUMMARY_IN_EVENTS), summary_truncated: summary.length },
  };
}
