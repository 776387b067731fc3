/**
 * Tasks as clients see them: dispatch (one, or a batch), waiting for the response, status
 * and detail, written once over the task store (files or Postgres) and the read model.
 */
import { performance } from 'node:perf_hooks';
import type { RunManyResult } from '../contracts/actions';
import type { TaskDetail } from '../contracts/hive';
import { describeIssues, fieldErrors } from '../contracts/issues';
import {
  RunTaskInputSchema,
  type CancelledOutcome,
  type CompletedResponse,
  type DispatchResult,
  type RunTaskInput,
  type StatusResult,
  type WaitOutcome,
} from '../contracts/task';
import { SERVER_ACTOR } from './claims';
import type { DispatchItem } from './dispatcher';
import { HiveError } from './errors';
import type { Ledger } from './ledger';
import type { TaskStore } from './task-store';
import type { TaskView } from './task-view';
import type { Waiters, WaitSlot } from './waiters';

export interface ExecutorParts {
  store: TaskStore;
  ledger: Ledger;
  waiters: Waiters<CompletedResponse | CancelledOutcome>;
  view: TaskView;
  /** Called once tasks are on disk and recorded, so a response that arrived early counts. */
  onDispatched(results: readonly DispatchResult[]): void;
  /** `tasks` tasks were dispatched `seconds` after their dispatch was called (for the metrics). */
  observeDispatch?(tasks: number, seconds: number): void;
}

export interface ExecuteOptions {
  /** Aborts a pending wait (the client went away); the dispatch itself stands. */
  signal?: AbortSignal;
  actor?: string;
}

export class Executor {
  private readonly inFlight = new Set<Promise<unknown>>();
  private stopping = false;

  constructor(private readonly parts: ExecutorParts) {}

  /** The server is stopping: dispatches from now on are refused (SHUTTING_DOWN), before anything is written. */
  stopAccepting(): void {
    this.stopping = true;
  }

  /** Resolves once every dispatch in progress has finished writing, or after `timeoutMs`. */
  async settled(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([Promise.allSettled([...this.inFlight]), timeout]);
    clearTimeout(timer);
  }

  async execute(input: RunTaskInput, options: ExecuteOptions = {}): Promise<DispatchResult> {
    // The waiting place is taken first: a 429 must leave nothing on disk.
    const slot = input.wait_for_response ? this.parts.waiters.reserve() : null;
    let result: DispatchResult;
    try {
      const [outcome] = await this.dispatch([{ input }], options.actor ?? SERVER_ACTOR);
      if (!outcome || outcome instanceof HiveError)
        throw outcome ?? new HiveError('INTERNAL', 'Nothing was dispatched.');
      result = outcome;
    } catch (err) {
      slot?.release();
      throw err;
    }
    if (slot) {
      result.response = await this.waitForResponse(result.task_id, input.timeout_seconds * 1000, options.signal, slot);
    }
    return result;
  }

  /**
   * Up to 1,000 tasks in one request, each validated on its own: a bad item gets an error
   * naming its index and fields, the rest are dispatched and recorded in one commit.
   */
  async executeMany(items: readonly unknown[], actor = SERVER_ACTOR): Promise<RunManyResult> {
    const results = new Array<RunManyResult['results'][number]>(items.length);
    const valid: { index: number; item: DispatchItem }[] = [];
    items.forEach((raw, index) => {
      const parsed = RunTaskInputSchema.safeParse(raw);
      if (!parsed.success) {
        results[index] = itemError(
          index,
          new HiveError('INVALID_INPUT', `tasks[${index}]: ${describeIssues(parsed.error)}`, fieldErrors(parsed.error)),
        );
      } else if (parsed.data.wait_for_response) {
        results[index] = itemError(
          index,
          new HiveError('INVALID_INPUT', `tasks[${index}]: wait_for_response is not available in a batch`, {
            wait_for_response: ['not available in a batch; dispatch the task alone to wait for it'],
          }),
        );
      } else {
        valid.push({ index, item: { input: parsed.data } });
      }
    });
    const outcomes = valid.length
      ? await this.dispatch(
          valid.map((v) => v.item),
          actor,
        )
      : [];
    valid.forEach(({ index }, i) => {
      const outcome = outcomes[i]!;
      results[index] = outcome instanceof HiveError ? itemError(index, outcome) : outcome;
    });
    return { results };
  }

  /** Dispatches items as one batch (one commit); the retry action adds a lineage to its one item. */
  async dispatch(items: readonly DispatchItem[], actor: string): Promise<(DispatchResult | HiveError)[]> {
    if (this.stopping) {
      throw new HiveError(
        'SHUTTING_DOWN',
        'The server is shutting down; nothing was dispatched. Retry once it is back.',
      );
    }
    const started = performance.now();
    const dispatching = this.parts.store.dispatch(items, actor);
    this.inFlight.add(dispatching);
    void dispatching.finally(() => this.inFlight.delete(dispatching)).catch(() => undefined);
    const outcomes = await dispatching;
    const dispatched = outcomes.filter((o): o is DispatchResult => !(o instanceof HiveError));
    this.parts.observeDispatch?.(dispatched.length, (performance.now() - started) / 1000);
    this.parts.onDispatched(dispatched);
    return outcomes;
  }

  /** The newest response of the task, or null if none has landed. */
  checkResponse(taskId: string): Promise<CompletedResponse | null> {
    return this.parts.store.latestResponse(taskId);
  }

  /**
   * Resolves when the response lands (woken by the store), or with a timeout outcome. The
   * slot is registered before the check, so an answer landing in between still wakes it.
   */
  async waitForResponse(
    taskId: string,
    timeoutMs: number,
    signal?: AbortSignal,
    slot?: WaitSlot,
  ): Promise<WaitOutcome> {
    const { waiters, ledger, view } = this.parts;
    const waiting = waiters.wait(taskId, timeoutMs, signal, slot);
    const ready = await this.checkResponse(taskId);
    if (ready) {
      waiters.wake(taskId, ready);
    } else if (view.get(taskId)?.state === 'cancelled') {
      waiters.wake(taskId, { status: 'cancelled', task_id: taskId });
    }
    const result = await waiting;
    if (result.kind === 'woken') return result.value;
    if (result.kind === 'shutdown') {
      throw new HiveError(
        'SHUTTING_DOWN',
        `The server is shutting down; task ${taskId} stays dispatched. Ask GET /api/tasks/status/${taskId} once it is back.`,
      );
    }
    if (result.kind === 'timeout') {
      await ledger
        .append({ event_type: 'task_timeout', task_id: taskId, actor: SERVER_ACTOR, data: { timeout_ms: timeoutMs } })
        .catch(() => undefined);
    }
    return { status: 'timeout', task_id: taskId };
  }

  /** Waits for a task dispatched earlier, like a dispatch with wait_for_response (a timeout is recorded). */
  async wait(taskId: string, timeoutMs: number, signal?: AbortSignal): Promise<WaitOutcome> {
    if (!this.parts.view.get(taskId) && (await this.parts.store.readTask(taskId)).kind === 'missing') {
      throw new HiveError('NOT_FOUND', `No task "${taskId}" in this hive to wait for.`);
    }
    return this.waitForResponse(taskId, timeoutMs, signal);
  }

  async status(taskId: string): Promise<StatusResult> {
    const state = this.parts.view.get(taskId)?.state;
    const withState = state ? { state } : {};
    const response = await this.checkResponse(taskId);
    if (response) return { ...response, ...withState };
    const read = await this.parts.store.readTask(taskId);
    if (read.kind === 'missing') return { status: 'not_found', task_id: taskId };
    if (read.kind === 'found')
      return { status: read.task.status, ...withState, task: read.task, task_path: read.task_path };
    return {
      status: 'unreadable',
      ...withState,
      task_id: taskId,
      task_path: read.task_path,
      warning: `The task file is ${read.reason}; a bee may have written it badly.`,
    };
  }

  /** Everything the task page shows: the list row, the task as bees see it, the response. */
  async detail(taskId: string): Promise<TaskDetail> {
    const read = await this.parts.store.readTask(taskId);
    const row = this.parts.view.get(taskId) ?? null;
    const response = await this.checkResponse(taskId);
    if (!row && read.kind !== 'found' && !response) {
      throw new HiveError('NOT_FOUND', `No task "${taskId}" in this hive.`);
    }
    return {
      task_id: taskId,
      row,
      task: read.kind === 'found' ? read.task : null,
      task_warning: read.kind === 'unreadable' ? `The task file is ${read.reason}.` : null,
      response,
    };
  }
}

function itemError(index: number, err: HiveError): RunManyResult['results'][number] {
  return {
    status: 'error',
    index,
    error: { code: err.code, message: err.message, ...(err.fields ? { fields: err.fields } : {}) },
  };
}
