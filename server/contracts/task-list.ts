/** The dashboard's view of tasks: one row per task, listed newest first with filters and a cursor. */
import { z } from 'zod';
import { BotIdSchema, TaskIdSchema } from './ids';
import { TaskStateSchema } from './task-state';

export const TaskRowSchema = z.object({
  task_id: TaskIdSchema,
  bot_id: BotIdSchema,
  intent: z.string(),
  title: z.string(),
  lane: z.string(),
  provider: z.string(),
  delivery_mode: z.string(),
  rule: z.string(),
  routing_source: z.string(),
  /** What the task file says (bees rewrite it). */
  status: z.string(),
  /** Where delivery stands (DESIGN §6), and since when. */
  state: TaskStateSchema,
  state_since: z.string(),
  task_path: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
  /** The bot id in the current claim, and the bee's name when the claim gives it. */
  claimed_by: z.string().nullable(),
  claimed_by_bee: z.string().nullable(),
  /** Claims taken so far: the current (or next) claim is this attempt. */
  attempt: z.number().int(),
  response_path: z.string().nullable(),
  completed_at: z.string().nullable(),
  /** Lineage: the task this one retries, and the latest retry of this one. */
  retried_from: z.string().nullable(),
  retried_by: z.string().nullable(),
  /** Order of dispatch (the ledger id of its first event): the list's sort key and cursor. */
  seq: z.number().int(),
});
export type TaskRow = z.infer<typeof TaskRowSchema>;

const filter = z.string().trim().min(1).max(64).optional();

// Not strict: infinite queries add their own keys (`direction`) beside `cursor`.
export const TaskListInputSchema = z.object({
  status: filter,
  state: TaskStateSchema.optional(),
  /** Only tasks with a health warning: waiting with no live bee, a stale claim, running too long. */
  stuck: z.boolean().optional(),
  lane: filter,
  provider: filter,
  bot_id: filter,
  intent: filter,
  /** Words in the title or summary, or the start of a task id. */
  search: z.string().trim().max(200).optional(),
  /** Rows older than this `seq` (from the previous page's `next_cursor`). */
  cursor: z.number().int().positive().nullish(),
  limit: z.number().int().min(1).max(200).default(50),
});
export type TaskListInput = z.input<typeof TaskListInputSchema>;
export type TaskListQuery = z.output<typeof TaskListInputSchema>;

export const TaskListSchema = z.object({
  items: z.array(TaskRowSchema),
  next_cursor: z.number().int().nullable(),
});
export type TaskList = z.infer<typeof TaskListSchema>;

/** The filters a dashboard URL carries (`?status=active&lane=llm&search=hello`). */
export const TASK_FILTER_KEYS = ['status', 'state', 'lane', 'provider', 'bot_id', 'intent', 'search', 'stuck'] as const;
export type TaskFilters = Partial<Record<(typeof TASK_FILTER_KEYS)[number], string>>;
