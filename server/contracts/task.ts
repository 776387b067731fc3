/** Wire shapes of a task: the run request, the task file bees read, and the replies. */
import { z } from 'zod';
import { BotIdSchema, DEFAULT_BOT_ID, TaskIdSchema } from './ids';
import { RouteProvenanceSchema } from './routing';
import { TaskStateSchema } from './task-state';

export const TIMEOUT_SECONDS = { min: 1, max: 3600, default: 300 } as const;
export const PREVIEW_CHARS = 1000;
/** A summary may be a whole spec with logs pasted in: the request body limit is what bounds it in practice. */
export const SUMMARY_MAX_CHARS = 4 * 1024 * 1024;

/** "intent is required" / "intent must be a string": the messages a form or a curl user needs. */
const text = (field: string) =>
  z.string({ error: (issue) => (issue.input === undefined ? `${field} is required` : `${field} must be a string`) });

/** How long a client waits for a response: a whole number of seconds. */
const TimeoutSecondsSchema = z
  .number({ error: 'timeout_seconds must be a number of seconds' })
  .int('timeout_seconds must be a whole number of seconds')
  .min(TIMEOUT_SECONDS.min, `timeout_seconds must be between ${TIMEOUT_SECONDS.min} and ${TIMEOUT_SECONDS.max}`)
  .max(TIMEOUT_SECONDS.max, `timeout_seconds must be between ${TIMEOUT_SECONDS.min} and ${TIMEOUT_SECONDS.max}`);

export const RunTaskInputSchema = z.strictObject(
  {
    task_id: TaskIdSchema.optional(),
    bot_id: BotIdSchema.default(DEFAULT_BOT_ID),
    intent: text('intent').trim().min(1, 'intent must not be empty').max(64, 'intent must be at most 64 characters'),
    title: text('title').trim().min(1, 'title must not be empty').max(200, 'title must be at most 200 characters'),
    summary: text('summary').max(SUMMARY_MAX_CHARS, `summary must be at most ${SUMMARY_MAX_CHARS} characters`),
    kb_entities: z
      .array(text('each kb_entity').min(1, 'kb_entities must not contain empty strings').max(200), {
        error: 'kb_entities must be an array of strings',
      })
      .max(100, 'at most 100 kb_entities')
      .default([]),
    wait_for_response: z.boolean({ error: 'wait_for_response must be true or false' }).default(false),
    timeout_seconds: TimeoutSecondsSchema.default(TIMEOUT_SECONDS.default),
  },
  {
    error: (issue) =>
      issue.code === 'invalid_type' ? 'the task must be a JSON object with intent, title and summary' : undefined,
  },
);
/** What a caller may send (defaults optional). */
export type RunTaskRequest = z.input<typeof RunTaskInputSchema>;
/** What the core receives (defaults applied). */
export type RunTaskInput = z.output<typeof RunTaskInputSchema>;

const TASK_FILE_FIELDS = {
  task_id: TaskIdSchema,
  bot_id: BotIdSchema,
  intent: z.string(),
  title: z.string(),
  summary: z.string(),
  kb_entities: z.array(z.string()),
  status: z.string().min(1),
  lane: z.string(),
  provider: z.string(),
  delivery_mode: z.string(),
  created_at: z.string(),
  started_at: z.string(),
  routing: RouteProvenanceSchema.optional(),
  /** A retry says which task it retries, which attempt it is, and how the one before ended. */
  retried_from: TaskIdSchema.optional(),
  attempt: z.number().int().min(1).optional(),
  previous_outcome: z
    .object({
      state: z.string(),
      status: z.string(),
      reason: z.string().nullable(),
      response_path: z.string().nullable(),
      response_preview: z.string().nullable(),
    })
    .optional(),
};

/** A task file's fields, as the server writes them and every interface returns them. */
export const TaskFieldsSchema = z.object(TASK_FILE_FIELDS);

/**
 * A task file as bees see it. Bees may rewrite `status`, so reading is lenient about
 * unknown fields and status values; writing always produces every field.
 */
export const TaskFileSchema = z.looseObject(TASK_FILE_FIELDS);
export type TaskFile = z.infer<typeof TaskFieldsSchema>;

export const CompletedResponseSchema = z.object({
  status: z.literal('completed'),
  response_path: z.string(),
  content: z.string(),
});

/** What status replies add: where delivery stands (absent when the ledger has no row, e.g. a stray file). */
const withState = { state: TaskStateSchema.optional() };
export type CompletedResponse = z.infer<typeof CompletedResponseSchema>;

export const TimeoutResponseSchema = z.object({
  status: z.literal('timeout'),
  task_id: TaskIdSchema,
});

/** The task was cancelled while the client waited: no answer will come. */
export const CancelledOutcomeSchema = z.object({
  status: z.literal('cancelled'),
  task_id: TaskIdSchema,
});
export type CancelledOutcome = z.infer<typeof CancelledOutcomeSchema>;

export const WaitOutcomeSchema = z.union([CompletedResponseSchema, TimeoutResponseSchema, CancelledOutcomeSchema]);
export type WaitOutcome = z.infer<typeof WaitOutcomeSchema>;

/**
 * In Postgres mode a task and its response are rows, not files: their `task_path` and
 * `response_path` are locators with this prefix (`postgres:tasks/TASK-…`), for people to read.
 */
export const DATABASE_LOCATOR_PREFIX = 'postgres:';
export const isDatabaseLocator = (where: string) => where.startsWith(DATABASE_LOCATOR_PREFIX);

export const DispatchResultSchema = z.object({
  status: z.literal('dispatched'),
  task_id: TaskIdSchema,
  bot_id: BotIdSchema,
  lane: z.string(),
  provider: z.string(),
  delivery_mode: z.string(),
  routing: RouteProvenanceSchema,
  task_path: z.string(),
  /** `waiting` in its bot's inbox, or `held` out of it while the bot is paused. */
  state: z.enum(['waiting', 'held']),
  response: WaitOutcomeSchema.optional(),
});
export type DispatchResult = z.infer<typeof DispatchResultSchema>;

export const TaskStatusSchema = z.object({
  status: z.string(),
  ...withState,
  task: TaskFieldsSchema,
  task_path: z.string(),
});

/** The task is known but its file cannot be read as a task right now (a bee wrote something else). */
export const TaskUnreadableSchema = z.object({
  status: z.literal('unreadable'),
  ...withState,
  task_id: TaskIdSchema,
  task_path: z.string(),
  warning: z.string(),
});

export const NotFoundSchema = z.object({
  status: z.literal('not_found'),
  task_id: z.string(),
});

export const StatusResultSchema = z.union([
  CompletedResponseSchema.extend(withState),
  TaskStatusSchema,
  TaskUnreadableSchema,
  NotFoundSchema,
]);
export type StatusResult = z.infer<typeof StatusResultSchema>;

export const StatusInputSchema = z.strictObject({ task_id: TaskIdSchema });

/** Waiting for a task dispatched earlier (the CLI's `run --wait`). */
export const WaitInputSchema = z.strictObject({ task_id: TaskIdSchema, timeout_seconds: TimeoutSecondsSchema });
