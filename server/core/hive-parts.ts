/**
 * The parts of one open hive that its operations share. The Hive assembles them; the
 * reactions to files, the start-up recovery and the operator actions each take what
 * they need from here, so none of them reaches into another.
 */
import type { CancelledOutcome, CompletedResponse } from '../contracts/task';
import type { BotView } from './bot-view';
import type { Executor } from './executor';
import type { HivePaths } from './hive-paths';
import type { Ledger } from './ledger';
import type { HiveMetrics } from './metrics';
import type { PerKeyQueue } from './per-key-queue';
import type { BeePresenceTracker } from './presence';
import type { ResponseIndex } from './response-index';
import type { RoutingTableStore } from './routing';
import type { TaskIndex } from './task-index';
import type { TaskView } from './task-view';
import type { Waiters } from './waiters';

/** What the code written once for every store shares: the ledger (or its mirror), its read models, the executor. */
export interface CoreParts {
  ledger: Ledger;
  view: TaskView;
  bots: BotView;
  routing: RoutingTableStore;
  /** Requests waiting for a task's end: woken by its response, or by its cancel. */
  waiters: Waiters<CompletedResponse | CancelledOutcome>;
  executor: Executor;
  presence: BeePresenceTracker;
  metrics: HiveMetrics;
  /** One look or action per task at a time, so a fact is recorded once and actions never interleave. */
  perTask: PerKeyQueue;
  /** The hive's clock (ms): tests may move it. */
  now(): number;
  /** In progress longer than this is reported as long running. */
  longRunningMs: number;
}

/** The embedded hive's parts: the core's, plus the files and the indexes rebuilt from them. */
export interface HiveParts extends CoreParts {
  paths: HivePaths;
  tasks: TaskIndex;
  responses: ResponseIndex;
}
