/**
 * Dispatch: route each task, write its file (into its bot's inbox, or `held/` while the
 * bot is paused), then record all of them in one ledger commit. A reply of "dispatched"
 * therefore means "on disk and recorded", for one task or a thousand; if the commit fails,
 * every file of the batch is taken back, so nothing a bee could pick up is left unrecorded.
 */
import { unlink } from 'node:fs/promises';
import type { DispatchResult, RunTaskInput, TaskFile } from '../contracts/task';
import type { BotView } from './bot-view';
import { dispatchEvents, heldEvent } from './dispatch-events';
import { HiveError } from './errors';
import { relativeToRoot, type HivePaths } from './hive-paths';
import { newTaskId } from './ids';
import type { Ledger, NewLedgerEvent } from './ledger';
import type { RouteDecision } from '../contracts/routing';
import type { RoutingTableStore } from './routing';
import { log } from './log';
import type { TaskIndex } from './task-index';
import { taskFilePath, writeTask, type TaskFileRef, type WrittenTask } from './task-files';

/** What a retry adds to the task file, so the bee knows it is attempt N and why N−1 failed. */
export type TaskLineage = Pick<TaskFile, 'retried_from' | 'attempt' | 'previous_outcome'>;

export interface DispatchItem {
  input: Pick<RunTaskInput, 'task_id' | 'bot_id' | 'intent' | 'title' | 'summary' | 'kb_entities'>;
  lineage?: TaskLineage;
}

export interface DispatcherParts {
  paths: HivePaths;
  ledger: Ledger;
  tasks: TaskIndex;
  routing: RoutingTableStore;
  bots: BotView;
  /** Called as soon as a task file is in place, before its file event arrives. */
  onWritten(written: WrittenTask): void;
}

interface Written {
  task: TaskFile;
  ref: TaskFileRef;
  held: boolean;
  result: DispatchResult;
}

export class Dispatcher {
  constructor(private readonly parts: DispatcherParts) {}

  /**
   * Dispatches each item; one result per item, in order: the dispatch, or the error that
   * refused that item alone (a taken task_id, a bot folder that is not a folder). A failed
   * commit fails them all.
   */
  async dispatch(items: readonly DispatchItem[], actor: string): Promise<(DispatchResult | HiveError)[]> {
    const { ledger, tasks, paths } = this.parts;
    const now = new Date();
    const outcomes = await mapLimit(items, 32, (item) => this.write(item, now).catch((err: unknown) => toError(err)));
    const written = outcomes.filter((o): o is Written => !(o instanceof HiveError));
    if (written.length === 0) return outcomes as HiveError[];
    const routedAt = new Date().toISOString();
    const events: NewLedgerEvent[] = written.flatMap(({ task, result, held }) => [
      ...dispatchEvents(task, result.task_path, actor, { routedAt }),
      ...(held ? [heldEvent(task, result.task_path, actor)] : []),
    ]);
    try {
      // Answering only after the commit is what makes a reply mean "on disk".
      await ledger.appendAll(events);
    } catch (err) {
      // Not recorded means not dispatched: take the files back, even if the watcher has seen them.
      await Promise.all(
        written.map(async ({ ref }) => {
          await unlink(taskFilePath(paths, ref)).catch(() => undefined);
          tasks.forget(ref);
          tasks.release(ref.taskId);
        }),
      );
      throw err;
    }
    for (const { ref } of written) tasks.set(ref);
    return outcomes.map((o) => (o instanceof HiveError ? o : o.result));
  }

  private async write(item: DispatchItem, now: Date): Promise<Written> {
    const { paths, tasks, routing, bots } = this.parts;
    const { input } = item;
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
    try {
      const { task, route } = routedTask(item, taskId, routing, now);
      const held = bots.isPaused(input.bot_id);
      const { identity, ...ref } = await writeTask(paths, task, now, held ? 'held' : 'tasks');
      if (!held) this.parts.onWritten({ ...ref, identity });
      return {
        task,
        ref,
        held,
        result: {
          status: 'dispatched',
          task_id: taskId,
          bot_id: input.bot_id,
          ...dispatchedVia(route),
          task_path: relativeToRoot(paths, taskFilePath(paths, ref)),
          state: held ? 'held' : 'waiting',
        },
      };
    } catch (err) {
      tasks.release(taskId);
      throw err;
    }
  }
}

/** The task as bees get it: what the client asked, routed now, with a retry's lineage. */
export function routedTask(
  item: DispatchItem,
  taskId: string,
  routing: RoutingTableStore,
  now: Date,
): { task: TaskFile; route: RouteDecision } {
  const { input } = item;
  const startedAt = now.toISOString();
  const route = routing.decide(input.intent);
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
    ...item.lineage,
  };
  return { task, route };
}

/** The routing half of a dispatch's reply. */
export function dispatchedVia(route: RouteDecision) {
  return {
    lane: route.lane,
    provider: route.provider,
    delivery_mode: route.delivery,
    routing: { rule: route.rule, source: route.source },
  };
}

/** An item's failure stays that item's; the unexpected ones are logged and reported as internal. */
function toError(err: unknown): HiveError {
  if (HiveError.is(err)) return err;
  log.error('dispatch failed', err);
  return new HiveError('INTERNAL', 'Internal error; the server log has the details.');
}

/** Runs `fn` over `items` with at most `limit` at once; results keep the items' order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await fn(items[i]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
