/**
 * Tasks and answers as rows. A dispatch inserts the tasks and records their events in one
 * transaction; the primary key makes a task_id unique across every server, so two servers
 * given the same id at the same moment answer one 200 and one 409. A task to a paused bot
 * is held: the bot's row is read under a share lock, so a pause and a dispatch are ordered.
 */
import {
  DATABASE_LOCATOR_PREFIX,
  type CompletedResponse,
  type DispatchResult,
  type TaskFile,
} from '../../contracts/task';
import { dispatchEvents, heldEvent } from '../../core/dispatch-events';
import { dispatchedVia, routedTask, type DispatchItem } from '../../core/dispatcher';
import { HiveError } from '../../core/errors';
import { newTaskId } from '../../core/ids';
import type { NewLedgerEvent } from '../../core/ledger';
import { previewBytes, previewOf } from '../../core/response-files';
import type { RoutingTableStore } from '../../core/routing';
import type { TaskRead, TaskStore } from '../../core/task-store';
import type { PgDb } from './pg-db';

/** Where a task "is" in Postgres mode: a locator for people, not a file. */
export const taskLocator = (taskId: string) => `${DATABASE_LOCATOR_PREFIX}tasks/${taskId}`;
export const responseLocator = (name: string) => `${DATABASE_LOCATOR_PREFIX}responses/${name}`;

/** What a read of a task selects: the task as dispatched, and its two fields that change since. */
export const TASK_COLUMNS = 'task, bot_id, status';
export type TaskColumns = { task: TaskFile; bot_id: string; status: string };

/** The task as bees get it now (its keys in the order they were dispatched in). */
export function taskAsNow({ task, bot_id, status }: TaskColumns): TaskFile {
  return { ...task, bot_id, status };
}

export class PgTaskStore implements TaskStore {
  private sizes = { tasks: 0, responses: 0 };

  constructor(
    private readonly db: PgDb,
    private readonly routing: RoutingTableStore,
  ) {}

  async dispatch(items: readonly DispatchItem[], actor: string): Promise<(DispatchResult | HiveError)[]> {
    const now = new Date();
    const built = items.map((item) =>
      routedTask(item, item.input.task_id ?? newTaskId(now, () => false), this.routing, now),
    );
    const ids = built.map(({ task }) => task.task_id);
    const bots = [...new Set(built.map(({ task }) => task.bot_id))];
    const routedAt = new Date().toISOString();
    const { inserted, paused } = await this.db.write(async (tx, record) => {
      await tx.query('INSERT INTO bots (bot_id) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING', [bots]);
      const pausedRows = await tx.query<{ bot_id: string }>(
        'SELECT bot_id FROM bots WHERE bot_id = ANY($1) AND paused FOR SHARE',
        [bots],
      );
      const paused = new Set(pausedRows.rows.map((r) => r.bot_id));
      const { rows } = await tx.query<{ task_id: string }>(
        `INSERT INTO tasks (task_id, bot_id, task, status, state)
         SELECT task_id, bot_id, task::json, status, state
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY
           AS u(task_id, bot_id, task, status, state, n)
         ORDER BY n
         ON CONFLICT (task_id) DO NOTHING
         RETURNING task_id`,
        [
          ids,
          built.map(({ task }) => task.bot_id),
          built.map(({ task }) => JSON.stringify(task)),
          built.map(({ task }) => task.status),
          built.map(({ task }) => (paused.has(task.bot_id) ? 'held' : 'waiting')),
        ],
      );
      const inserted = new Set(rows.map((r) => r.task_id));
      const first = new Set<string>();
      const events: NewLedgerEvent[] = built
        .filter(({ task }) => inserted.has(task.task_id) && !first.has(task.task_id) && first.add(task.task_id))
        .flatMap(({ task }) => [
          ...dispatchEvents(task, taskLocator(task.task_id), actor, { routedAt }),
          ...(paused.has(task.bot_id) ? [heldEvent(task, taskLocator(task.task_id), actor)] : []),
        ]);
      await record(events);
      return { inserted, paused };
    });
    const claimed = new Set<string>();
    return built.map(({ task, route }): DispatchResult | HiveError => {
      // The same id twice in one batch: the first one is the dispatch.
      if (!inserted.has(task.task_id) || claimed.has(task.task_id)) {
        return new HiveError(
          'CONFLICT',
          `task_id "${task.task_id}" already exists (${taskLocator(task.task_id)}); choose another task_id, or omit it to get a generated one.`,
        );
      }
      claimed.add(task.task_id);
      return {
        status: 'dispatched',
        task_id: task.task_id,
        bot_id: task.bot_id,
        ...dispatchedVia(route),
        task_path: taskLocator(task.task_id),
        state: paused.has(task.bot_id) ? 'held' : 'waiting',
      };
    });
  }

  async readTask(taskId: string): Promise<TaskRead> {
    const rows = await this.db.read<TaskColumns>(`SELECT ${TASK_COLUMNS} FROM tasks WHERE task_id = $1`, [taskId]);
    const row = rows[0];
    return row ? { kind: 'found', task: taskAsNow(row), task_path: taskLocator(taskId) } : { kind: 'missing' };
  }

  async latestResponse(taskId: string): Promise<CompletedResponse | null> {
    const rows = await this.db.read<{ name: string; head: Buffer }>(
      'SELECT name, substring(content FROM 1 FOR $2) AS head FROM responses WHERE task_id = $1 ORDER BY attempt DESC LIMIT 1',
      [taskId, previewBytes()],
    );
    const row = rows[0];
    return row ? { status: 'completed', response_path: responseLocator(row.name), content: previewOf(row.head) } : null;
  }

  counts(): { tasks: number; responses: number } {
    return this.sizes;
  }

  /** Re-counted now and then (health shows them; exact to the moment is not needed). */
  async recount(): Promise<void> {
    const { rows } = await this.db.pool.query<{ tasks: string; responses: string }>(
      'SELECT (SELECT count(*) FROM tasks) AS tasks, (SELECT count(*) FROM responses) AS responses',
    );
    this.sizes = { tasks: Number(rows[0]!.tasks), responses: Number(rows[0]!.responses) };
  }
}
