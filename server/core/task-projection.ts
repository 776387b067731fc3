/**
 * The task list as a pure function of the ledger: each event turns a task's row into its
 * next row. Whatever store keeps the rows (SQLite today), this is the one place that
 * decides what an event means for a task: its status, its delivery state, its claim.
 */
import type { LedgerEvent } from '../contracts/ledger';
import type { TaskRow } from '../contracts/task-list';
import { FINAL_STATES, type TaskState } from '../contracts/task-state';

/** A row as the store keeps it: the list's row without the sequence number it assigns. */
export type TaskRecord = TaskRow;

type Data = Record<string, unknown>;
const text = (data: Data, key: string): string | null => (typeof data[key] === 'string' ? data[key] : null);

/** What a bee's status rewrite says about delivery, when it says anything. */
function stateForStatus(status: string, row: TaskRecord): TaskState {
  if (status === 'in_progress') return 'in_progress';
  if (status === 'blocked') return 'blocked';
  if (status === 'active') return row.claimed_by !== null ? 'claimed' : 'waiting';
  return row.state;
}

function moveTo(row: TaskRecord, state: TaskState, ts: string): TaskRecord {
  return state === row.state ? row : { ...row, state, state_since: ts };
}

/**
 * The row after `event`, or the same row when the event changes nothing about it. A task's
 * first event (`task_execution_started`) creates its row from nothing.
 */
export function projectTask(row: TaskRecord | null, event: LedgerEvent): TaskRecord | null {
  const data = event.data as Data;
  const ts = event.ts;
  if (!row) {
    if (event.event_type !== 'task_execution_started' || !event.task_id) return null;
    return {
      seq: event.id,
      task_id: event.task_id,
      bot_id: text(data, 'bot_id') ?? 'unknown',
      intent: text(data, 'intent') ?? '',
      title: text(data, 'title') ?? '',
      lane: '',
      provider: '',
      delivery_mode: '',
      rule: '',
      routing_source: '',
      status: 'active',
      state: 'waiting',
      state_since: ts,
      task_path: '',
      created_at: ts,
      updated_at: ts,
      claimed_by: null,
      claimed_by_bee: null,
      attempt: 0,
      response_path: null,
      completed_at: null,
      retried_from: text(data, 'retried_from'),
      retried_by: null,
    };
  }
  const final = FINAL_STATES.has(row.state);
  const next = ((): TaskRecord => {
    switch (event.event_type) {
      case 'task_routed':
        return {
          ...row,
          lane: text(data, 'lane') ?? '',
          provider: text(data, 'provider') ?? '',
          delivery_mode: text(data, 'delivery') ?? '',
          rule: text(data, 'rule') ?? '',
          routing_source: text(data, 'source') ?? '',
        };
      case 'task_dispatched':
      case 'task_archived':
        return { ...row, task_path: text(data, 'task_path') ?? row.task_path };
      case 'task_held':
        return moveTo({ ...row, task_path: text(data, 'task_path') ?? row.task_path }, 'held', ts);
      case 'task_released':
        return moveTo({ ...row, task_path: text(data, 'task_path') ?? row.task_path }, 'waiting', ts);
      case 'task_claimed': {
        if (final) return row;
        const claimed = {
          ...row,
          claimed_by: text(data, 'bot_id') ?? 'unknown',
          claimed_by_bee: text(data, 'bee'),
          attempt: row.attempt + 1,
        };
        return row.state === 'waiting' || row.state === 'held' ? moveTo(claimed, 'claimed', ts) : claimed;
      }
      case 'task_status_changed': {
        const status = text(data, 'status') ?? row.status;
        if (final || row.completed_at !== null) return row;
        const updated = { ...row, status };
        return row.state === 'cancelling' ? updated : moveTo(updated, stateForStatus(status, row), ts);
      }
      case 'task_claim_released':
      case 'task_claim_expired':
        if (final) return row;
        return moveTo({ ...row, claimed_by: null, claimed_by_bee: null, status: 'active' }, 'waiting', ts);
      case 'task_reassigned':
        return moveTo(
          { ...row, bot_id: text(data, 'to_bot') ?? row.bot_id, task_path: text(data, 'task_path') ?? row.task_path },
          data.held === true ? 'held' : 'waiting',
          ts,
        );
      case 'task_cancel_requested':
        return final ? row : moveTo(row, 'cancelling', ts);
      case 'task_cancelled':
        if (final) return row;
        return moveTo({ ...row, status: 'cancelled', response_path: text(data, 'response_path') }, 'cancelled', ts);
      case 'task_completed': {
        // A task ends once (the ledger sees to it too).
        if (final) return row;
        // A blocked task that answered (to say why) stays blocked.
        const state = row.state === 'blocked' ? 'blocked' : 'completed';
        return moveTo(
          {
            ...row,
            status: row.status === 'blocked' ? 'blocked' : 'completed',
            response_path: text(data, 'response_path'),
            completed_at: ts,
          },
          state,
          ts,
        );
      }
      case 'task_retried':
        return { ...row, retried_by: text(data, 'retry_task_id') ?? row.retried_by };
      default:
        return row;
    }
  })();
  return next === row ? row : { ...next, updated_at: ts };
}
