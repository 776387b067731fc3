/**
 * The three ledger events that record a dispatch. Their data is what the task list
 * (task_view) is built from, so every writer (a dispatch, a recovery after a crash) uses this.
 */
import type { TaskFile } from '../contracts/task';
import type { NewLedgerEvent } from './ledger';

export function dispatchEvents(
  task: TaskFile,
  taskPath: string,
  actor: string,
  options: { routedAt?: string; recovered?: boolean } = {},
): NewLedgerEvent[] {
  const base = { task_id: task.task_id, actor };
  const marker = options.recovered ? { recovered: true } : {};
  return [
    {
      ...base,
      event_type: 'task_execution_started',
      ts: task.created_at,
      data: {
        ...marker,
        bot_id: task.bot_id,
        intent: task.intent,
        title: task.title,
        summary: task.summary,
        kb_entities: task.kb_entities,
        ...(task.retried_from ? { retried_from: task.retried_from, attempt: task.attempt } : {}),
      },
    },
    {
      ...base,
      event_type: 'task_routed',
      ...(options.routedAt && { ts: options.routedAt }),
      data: {
        ...marker,
        lane: task.lane,
        provider: task.provider,
        delivery: task.delivery_mode,
        rule: task.routing?.rule ?? 'unknown',
        source: task.routing?.source ?? 'unknown',
      },
    },
    { ...base, event_type: 'task_dispatched', data: { ...marker, bot_id: task.bot_id, task_path: taskPath } },
  ];
}

/** A task dispatched to a paused bot waits in `held` until the bot is resumed. */
export function heldEvent(task: TaskFile, taskPath: string, actor: string): NewLedgerEvent {
  return {
    event_type: 'task_held',
    task_id: task.task_id,
    actor,
    data: { bot_id: task.bot_id, task_path: taskPath, reason: `${task.bot_id} is paused` },
  };
}
