/** What every operator action on a task starts with: its turn (no other look or action on it meanwhile) and its row. */
import type { TaskRow } from '../../contracts/task-list';
import { FINAL_STATES } from '../../contracts/task-state';
import { HiveError } from '../errors';
import type { CoreParts } from '../hive-parts';

/** Runs `work` in the task's turn; refused with SHUTTING_DOWN once the hive is closing. */
export async function inTurn<T>(parts: CoreParts, key: string, work: () => Promise<T>): Promise<T> {
  const done = await parts.perTask.run(key, async () => ({ value: await work() }));
  if (!done)
    throw new HiveError('SHUTTING_DOWN', 'The server is shutting down; nothing was changed. Retry once it is back.');
  return done.value;
}

export function requireTask(parts: CoreParts, taskId: string): TaskRow {
  const row = parts.view.get(taskId);
  if (!row) throw new HiveError('NOT_FOUND', `No task "${taskId}" in this hive.`);
  return row;
}

/** Ended (completed, cancelled), or answered while blocked: nothing is left to act on. */
export function isFinished(row: TaskRow): boolean {
  return FINAL_STATES.has(row.state) || row.completed_at !== null;
}

export function conflict(message: string): HiveError {
  return new HiveError('CONFLICT', message);
}
