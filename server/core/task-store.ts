/**
 * Where tasks and their answers live: the one seam between the code written once (the
 * executor, the service, the actions that only record) and a store. Files + SQLite keep a
 * task as a file in its bot's inbox and an answer as a file in `responses/`
 * (file-task-store.ts); Postgres keeps both as rows (server/store/pg). A dispatch is the
 * task plus its ledger events in one commit, or nothing, in either.
 */
import type { CompletedResponse, DispatchResult, TaskFile } from '../contracts/task';
import type { DispatchItem } from './dispatcher';
import type { HiveError } from './errors';

export type TaskRead =
  | { kind: 'found'; task: TaskFile; task_path: string }
  /** A task file a bee wrote badly (files only). */
  | { kind: 'unreadable'; task_path: string; reason: string }
  | { kind: 'missing' };

export interface TaskStore {
  /**
   * Each item routed, stored and recorded in one commit; one result per item, in order:
   * the dispatch, or the error that refused that item alone (a task_id taken anywhere).
   */
  dispatch(items: readonly DispatchItem[], actor: string): Promise<(DispatchResult | HiveError)[]>;
  /** The task as bees see it (its status is the bee's latest word). */
  readTask(taskId: string): Promise<TaskRead>;
  /** The newest answer to the task (a preview of it), or null while none has landed. */
  latestResponse(taskId: string): Promise<CompletedResponse | null>;
  /** How many tasks and answers the store holds (for /api/health). */
  counts(): { tasks: number; responses: number };
}
