/**
 * Tasks as clients see them: dispatch (one, or a batch), waiting for the response, status
 * and detail. Every lookup goes through the in-memory indexes and the read model, so its
 * cost does not grow with the size of the hive.
 */
import { performance } from 'node:perf_hooks';
import type { TaskDetail } from '../contracts/hive';
import { fieldErrors } from '../contracts/issues';
import { describeIssues } from '../contracts/issues';
import {
  RunTaskInputSchema,
  type CancelledOutcome,
  type CompletedResponse,
  type DispatchResult,
  type RunTaskInput,
  type StatusResult,
  type WaitOutcome,
} from '../contracts/task';
import type { RunManyResult } from '../contracts/actions';
import { SERVER_ACTOR } from './claims';
import { Dispatcher, type DispatcherParts, type DispatchItem } from './dispatcher';
import { HiveError } from './errors';
import { relativeToRoot } from './hive-paths';
import type { ResponseIndex } from './response-index';
import { readResponsePreview } from './response-files';
import type { TaskView } from './task-view';
import { readTaskFile, taskFilePath } from './task-files';
import type { Waiters, WaitSlot } from './waiters';

export interface ExecutorParts extends DispatcherParts {
  responses: ResponseIndex;
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
  private readonly dispatcher: Dispatcher;
  private stopping = false;

  constructor(private readonly parts: ExecutorParts) {
    this.dispatcher = new Dispatcher(parts);
  }

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
    const dispatching = this.dispatcher.dispatch(items, actor);
    this.inFlight.add(dispatching);
    void dispatching.finally(() => this.inFlight.delete(dispatching)).catch(() => undefined);
    const outcomes = await dispatching;
    const dispatched = outcomes.filter((o): o is DispatchResult => !(o instanceof HiveError));
    this.parts.observeDispatch?.(dispatched.length, (performance.now() - started) / 1000);
    this.parts.onDispatched(dispatched);
    return outcomes;
  }

  /** The newest response of the task, or null if none has landed. */
  async checkResponse(taskId: string): Promise<CompletedResponse | null> {
    const latest = this.parts.responses.latestFor(taskId);
    if (!latest) return null;
    const content = await readResponsePreview(this.parts.paths.responses, latest.name);
    if (content === null) return null;
    return { status: 'completed', response_path: this.responsePath(latest.name), content };
  }

  /**
   * Resolves when the response file lands (woken by its file event), or with a timeout
   * outcome. The check and the registration happen in one turn, so no arrival slips between.
   */
  async waitForResponse(
    taskId: string,
    timeoutMs: number,
    signal?: AbortSignal,
    slot?: WaitSlot,
  ): Promise<WaitOutcome> {
    const { responses, waiters, ledger, view } = this.parts;
    if (responses.latestFor(taskId)) {
      const ready = await this.checkResponse(taskId);
      if (ready) {
        slot?.release();
        return ready;
      }
    }
    if (view.get(taskId)?.state === 'cancelled') {
      slot?.release();
      return { status: 'cancelled', task_id: taskId };
    }
    const result = await waiters.wait(taskId, timeoutMs, signal, slot);
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
    if (!this.parts.tasks.has(taskId) && !this.parts.view.get(taskId)) {
      throw new HiveError('NOT_FOUND', `No task "${taskId}" in this hive to wait for.`);
    }
    return this.waitForResponse(taskId, timeoutMs, signal);
  }

  async status(taskId: string): Promise<StatusResult> {
    const { paths, tasks, view } = this.parts;
    const state = view.get(taskId)?.state;
    const withState = state ? { state } : {};
    const response = await this.checkResponse(taskId);
    if (response) return { ...response, ...withState };
    const ref = tasks.get(taskId);
    if (!ref) return { status: 'not_found', task_id: taskId };
    const file = taskFilePath(paths, ref);
    const read = await readTaskFile(file);
    if (read.ok) {
      return { status: read.task.status, ...withState, task: read.task, task_path: relativeToRoot(paths, file) };
    }
    const moved = tasks.get(taskId);
    if (read.missing && moved && moved !== ref) return this.status(taskId);
    if (read.missing) return { status: 'not_found', task_id: taskId };
    return {
      status: 'unreadable',
      ...withState,
      task_id: taskId,
      task_path: relativeToRoot(paths, file),
      warning: `The task file is ${read.reason}; a bee may have written it badly.`,
    };
  }

  /** Everything the task page shows: the list row, the task file as bees see it, the response. */
  async detail(taskId: string): Promise<TaskDetail> {
    const { paths, tasks, view } = this.parts;
    const ref = tasks.get(taskId);
    const read = ref ? await readTaskFile(taskFilePath(paths, ref)) : null;
    const row = view.get(taskId) ?? null;
    const response = await this.checkResponse(taskId);
    if (!row && !read?.ok && !response) {
      throw new HiveError('NOT_FOUND', `No task "${taskId}" in this hive.`);
    }
    return {
      task_id: taskId,
      row,
      task: read?.ok ? read.task : null,
      task_warning: read && !read.ok ? `The task file is ${read.reason}.` : null,
      response,
    };
  }

  responsePath(name: string): string {
    return relativeToRoot(this.parts.paths, `${this.parts.paths.responses}/${name}`);
  }
}

function itemError(index: number, err: HiveError): RunManyResult['results'][number] {
  return {
    status: 'error',
    index,
    error: { code: err.code, message: err.message, ...(err.fields ? { fields: err.fields } : {}) },
  };
}
