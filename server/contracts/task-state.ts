/**
 * A task's delivery state (DESIGN §6): where it is between the server and the bees, beside
 * the `status` a bee writes into the task file. A task no bee has claimed never looks like
 * one a bee is working on.
 */
import { z } from 'zod';

export const TASK_STATES = [
  'waiting', // in its bot's inbox, unclaimed
  'held', // its bot is paused: recorded, kept out of the inbox
  'claimed',
  'in_progress',
  'blocked',
  'completed',
  'cancelling', // a claimed task asked to stop; the bee has not acknowledged yet
  'cancelled',
] as const;

export const TaskStateSchema = z.enum(TASK_STATES);
export type TaskState = z.infer<typeof TaskStateSchema>;

/** States a task leaves no more. */
export const FINAL_STATES: ReadonlySet<TaskState> = new Set(['completed', 'cancelled']);

/** States in which a bee holds the task's claim. */
export const CLAIMED_STATES: ReadonlySet<TaskState> = new Set(['claimed', 'in_progress', 'cancelling']);
