/**
 * The task service both transports call: execute (route, write, record, maybe wait),
 * checkResponse, waitForResponse and status. Every lookup goes through the in-memory
 * indexes, so its cost does not grow with the size of the hive.
 */
import { unlink } from 'node:fs/promises';
import type { TaskDetail, Timeline } from '../contracts/hive';
import type {
  CompletedResponse,
  DispatchResult,
  RunTaskInput,
  StatusResult,
  TaskFile,
  WaitOutcome,
} from '../contracts/task';
import { HiveError } from './errors';
import { relativeToRoot, type HivePaths } from './hive-paths';
import { newTaskId } from './ids';
import { dispatchEvents } from './dispatch-events';
import type { Ledger } from './ledger';
import type { ResponseIndex } from './response-index';
import { readResponsePreview } from './response-files';
import type { RoutingTableStore } from './routing';
import type { TaskIndex } from './task-index';
import type { TaskView } from './task-view';
import { readTaskFile, taskFilePath, writeTask, type TaskFileRef, type WrittenTask } from './task-files';
import type { Waiters, WaitSlot } from './waiters';

export const SERVER_ACTOR = 'hive-control';

export interface ExecutorParts {
  paths: HivePaths;
  ledger: Ledger;
  tasks: TaskIndex;
  responses: ResponseIndex;
  routing: RoutingTableStore;
  waiters: Waiters<CompletedResponse>;
  view: TaskView;
  /** Called as soon as the task file is in place, before its file event arrives. */
  onWritten(written: WrittenTask): void;
  /** Called once a task is on disk and recorded, so a response that arrived early counts. */
  onDispatched(taskId: string): void;
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
    if (this.stopping) {
      throw new HiveError(
        'SHUTTING_DOWN',
        'The server is shutting down; nothing was dispatched. Retry once it is back.',
      );
    }
    // The waiting place is taken first: a 429 must leave nothing on disk.
    const slot = input.wait_for_response ? this.parts.waiters.reserve() : null;
    const dispatching = this.dispatch(input, options);
    this.inFlight.add(dispatching);
    void dispatching.finally(() => this.inFlight.delete(dispatching)).catch(() => undefined);
    let result: DispatchResult;
    try {
      result = await dispatching;
    } catch (err) {
      slot?.release();
      throw err;
    }
    if (slot) {
      result.response = await this.waitForResponse(result.task_id, input.timeout_seconds * 1000, options.signal, slot);
    }
    return result;
  }

  private async dispatch(input: RunTaskInput, options: ExecuteOptions): Promise<DispatchResult> {
    const { paths, tasks, ledger, routing } = this.parts;
    const actor = options.actor ?? SERVER_ACTOR;
    const now = new Date();
    const taskId = input.task_id ?? newTaskId(now, (id) => tasks.isTaken(id));
    if (!tasks.reserve(taskId)) {
      const existing = tasks.get(taskId);
      const where = existing
        ? ` (${relativeToRoot(paths, taskFilePath(paths, existing))})`
        : ' (being dispatched right now)';
      throw new HiveError(
        'CONFLICT',
        `task_id "${taskId}" already exists${where}; choose another task_id, or omit it to get a generated one.`,
      );
    }

    const startedAt = now.toISOString();
    const route = routing.decide(input.intent);
    const routedAt = new Date().toISOString();
    const task: TaskFile = {
      task_id: taskId,
      bot_id: input.bot_id,
      intent: input.intent,
      title: input.title,
      summary: input.summary,
      kb_entities: input.kb_entities,
      status: 'active',
      lane: route.lane,
      provider: route.provider,
      delivery_mode: route.delivery,
      created_at: startedAt,
      started_at: startedAt,
      routing: { rule: route.rule, source: route.source },
    };
    let written: TaskFileRef | undefined;
    let taskPath: string;
    try {
      const { inode, ...ref } = await writeTask(paths, task, now);
      this.parts.onWritten({ ...ref, inode });
      written = ref;
      taskPath = relativeToRoot(paths, taskFilePath(paths, ref));
      // Answering only after the commit is what makes a 200 mean "on disk".
      await ledger.appendAll(dispatchEvents(task, taskPath, actor, { routedAt }));
    } catch (err) {
      // Not recorded means not dispatched: take the file back, even if the watcher has seen it.
      if (written) {
        await unlink(taskFilePath(paths, written)).catch(() => undefined);
        tasks.forget(written);
      }
      tasks.release(taskId);
      throw err;
    }
    tasks.set(written);

    this.parts.onDispatched(taskId);
    return {
      status: 'dispatched',
      task_id: taskId,
      bot_id: input.bot_id,
      lane: route.lane,
      provider: route.provider,
      delivery_mode: route.delivery,
      routing: { rule: route.rule, source: route.source },
      task_path: taskPath,
    };
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
    const { responses, waiters, ledger } = this.parts;
    if (responses.latestFor(taskId)) {
      const ready = await this.checkResponse(taskId);
      if (ready) {
        slot?.release();
        return ready;
      }
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
    const { paths, tasks } = this.parts;
    const response = await this.checkResponse(taskId);
    if (response) return response;
    const ref = tasks.get(taskId);
    if (!ref) return { status: 'not_found', task_id: taskId };
    const file = taskFilePath(paths, ref);
    const read = await readTaskFile(file);
    if (read.ok) return { status: read.task.status, task: read.task, task_path: relativeToRoot(paths, file) };
    const moved = tasks.get(taskId);
    if (read.missing && moved && moved !== ref) return this.status(taskId);
    if (read.missing) return { status: 'not_found', task_id: taskId };
    return {
      status: 'unreadable',
      task_id: taskId,
      task_path: relativeToRoot(paths, file),
      warning: `The task file is ${read.reason}; a bee may have written it badly.`,
    };
  }

  /** The task's ledger events in order, with the time each step took. */
  timeline(taskId: string): Timeline {
    const events = this.parts.ledger.forTask(taskId);
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
