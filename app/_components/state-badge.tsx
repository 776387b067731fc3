/**
 * A task's delivery state as a badge (DESIGN §6). Each state says in words where the task
 * is, so an unclaimed task (waiting, held) never reads like one a bee is working on.
 */
import type { TaskState } from '@/server/contracts/task-state';

export const STATE_LABELS: Record<TaskState, string> = {
  waiting: 'waiting',
  held: 'held',
  claimed: 'claimed',
  in_progress: 'in progress',
  blocked: 'blocked',
  completed: 'completed',
  cancelling: 'cancelling',
  cancelled: 'cancelled',
};

export const STATE_HINTS: Record<TaskState, string> = {
  waiting: 'In its bot’s inbox; no bee has claimed it yet',
  held: 'Its bot is paused: recorded, kept out of the inbox until it resumes',
  claimed: 'A bee claimed it and has not started yet',
  in_progress: 'A bee is working on it',
  blocked: 'The bee could not finish it',
  completed: 'A bee answered it',
  cancelling: 'Asked to stop; waiting for the bee to acknowledge',
  cancelled: 'Cancelled; no bee will work on it',
};

/** The task file status that each state implies; any other status is worth showing beside the state. */
const USUAL_STATUS: Partial<Record<TaskState, string>> = {
  waiting: 'active',
  held: 'active',
  claimed: 'active',
  in_progress: 'in_progress',
  blocked: 'blocked',
  completed: 'completed',
  cancelled: 'cancelled',
};

export function statusAddsToState(state: TaskState, status: string): boolean {
  return USUAL_STATUS[state] !== status;
}

export function StateBadge({ state }: { state: TaskState }) {
  return (
    <span className={`badge state state-${state}`} data-testid="state" data-state={state} title={STATE_HINTS[state]}>
      {STATE_LABELS[state]}
    </span>
  );
}
