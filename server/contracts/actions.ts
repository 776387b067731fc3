/** Operator actions on tasks and bots (DESIGN §7): their inputs and replies, shared by REST, tRPC, the CLI and the dashboard. */
import { z } from 'zod';
import { HealthWarningSchema } from './health';
import { BotIdSchema, TaskIdSchema } from './ids';
import { RouteTargetSchema, RoutingSourceSchema } from './routing';
import { LedgerEventSchema } from './ledger';
import { TaskListInputSchema, TaskRowSchema } from './task-list';
import { TaskStateSchema } from './task-state';
import { CompletedResponseSchema, DispatchResultSchema, RunTaskInputSchema, TaskFieldsSchema } from './task';

const reason = z.string().trim().max(2000, 'reason must be at most 2000 characters').optional();

export const ByTaskIdSchema = z.strictObject({ task_id: TaskIdSchema });
export const ByBotIdSchema = z.strictObject({ bot_id: BotIdSchema });

export const CancelInputSchema = z.strictObject({ reason });
export const ActionResultSchema = z.object({ task_id: TaskIdSchema, state: TaskStateSchema });
export type ActionResult = z.infer<typeof ActionResultSchema>;

const run = RunTaskInputSchema.shape;

/** Edits for the new attempt; whatever is left out is taken from the task retried. */
export const RetryInputSchema = z.strictObject({
  intent: run.intent.optional(),
  title: run.title.optional(),
  summary: run.summary.optional(),
  bot_id: BotIdSchema.optional(),
  kb_entities: run.kb_entities.unwrap().optional(),
  reason,
});
export type RetryInput = z.infer<typeof RetryInputSchema>;

export const RetryResultSchema = DispatchResultSchema.extend({
  retried_from: TaskIdSchema,
  attempt: z.number().int().min(2),
});
export type RetryResult = z.infer<typeof RetryResultSchema>;

export const ReassignInputSchema = z.strictObject({
  bot_id: BotIdSchema,
  dry_run: z.boolean({ error: 'dry_run must be true or false' }).default(false),
});
export const ReassignResultSchema = z.object({
  task_id: TaskIdSchema,
  from_bot: BotIdSchema,
  to_bot: BotIdSchema,
  task_path: z.string(),
  state: TaskStateSchema,
  dry_run: z.boolean(),
  warnings: z.array(HealthWarningSchema),
});
export type ReassignResult = z.infer<typeof ReassignResultSchema>;

export const ReclaimResultSchema = ActionResultSchema.extend({ attempt: z.number().int() });
export type ReclaimResult = z.infer<typeof ReclaimResultSchema>;

export const PauseResultSchema = z.object({ bot_id: BotIdSchema, paused: z.boolean(), held: z.number().int() });
export type PauseResult = z.infer<typeof PauseResultSchema>;

export const RUN_MANY_MAX = 1000;
/** Each item is checked on its own (one bad item does not sink the rest), so items are unknown here. */
export const RunManyInputSchema = z.strictObject({
  tasks: z
    .array(z.unknown(), { error: 'tasks must be an array of tasks' })
    .min(1, 'tasks must not be empty')
    .max(RUN_MANY_MAX, `at most ${RUN_MANY_MAX} tasks per request`),
});
export const RunManyItemErrorSchema = z.object({
  status: z.literal('error'),
  index: z.number().int(),
  error: z.object({
    code: z.string(),
    message: z.string(),
    fields: z.record(z.string(), z.array(z.string())).optional(),
  }),
});
export const RunManyResultSchema = z.object({
  results: z.array(z.union([DispatchResultSchema, RunManyItemErrorSchema])),
});
export type RunManyResult = z.infer<typeof RunManyResultSchema>;

export const BULK_ACTIONS = ['cancel', 'retry', 'reassign', 'reclaim'] as const;
/** The filter of `tasks.list`, without paging. */
export const BulkFilterSchema = TaskListInputSchema.omit({ cursor: true, limit: true }).strict();
export const BulkInputSchema = z
  .strictObject({
    action: z.enum(BULK_ACTIONS, { error: `action must be one of ${BULK_ACTIONS.join(', ')}` }),
    ids: z.array(TaskIdSchema).min(1).max(100_000).optional(),
    filter: BulkFilterSchema.optional(),
    /** The target of `reassign`. */
    bot_id: BotIdSchema.optional(),
    reason,
    dry_run: z.boolean().default(false),
  })
  .refine((b) => (b.ids === undefined) !== (b.filter === undefined), {
    message: 'give either ids or filter (the same filters as the task list), not both',
    path: ['ids'],
  })
  .refine((b) => b.action !== 'reassign' || b.bot_id !== undefined, {
    message: 'reassign needs bot_id, the bot to give the tasks to',
    path: ['bot_id'],
  });
export type BulkInput = z.infer<typeof BulkInputSchema>;

/** What a bulk action's start answers: its id (null for a dry run, which only counts). */
export const BulkStartedSchema = z.object({
  bulk_id: z.string().nullable(),
  matched: z.number().int(),
  dry_run: z.boolean(),
});
export type BulkStarted = z.infer<typeof BulkStartedSchema>;
export const BulkStatusSchema = z.object({
  bulk_id: z.string(),
  action: z.enum(BULK_ACTIONS),
  state: z.enum(['running', 'finished', 'interrupted']),
  matched: z.number().int(),
  done: z.number().int(),
  failed: z.number().int(),
  started_at: z.string(),
  finished_at: z.string().nullable(),
  /** The first failures, each with the task and why. */
  errors: z.array(z.object({ task_id: z.string(), code: z.string(), message: z.string() })),
});
export type BulkStatus = z.infer<typeof BulkStatusSchema>;
export const ByBulkIdSchema = z.strictObject({ bulk_id: z.string().regex(/^BULK-[0-9a-f-]+$/, 'not a bulk id') });

/** One task's whole story, as exported: its row, its file, its response and every ledger event. */
export const TaskHistorySchema = z.object({
  task_id: TaskIdSchema,
  exported_at: z.string(),
  row: TaskRowSchema.nullable(),
  task: TaskFieldsSchema.nullable(),
  response: CompletedResponseSchema.nullable(),
  events: z.array(LedgerEventSchema),
});
export type TaskHistory = z.infer<typeof TaskHistorySchema>;

export const EXPORT_FORMATS = ['json', 'csv', 'ndjson'] as const;
export const ExportInputSchema = BulkFilterSchema.extend({
  format: z.enum(EXPORT_FORMATS, { error: `format must be one of ${EXPORT_FORMATS.join(', ')}` }).default('json'),
});
export type ExportInput = z.infer<typeof ExportInputSchema>;

/** A task as it would be dispatched (only the intent decides its route). */
export const ExplainInputSchema = z.strictObject({
  intent: run.intent,
  title: run.title.optional(),
  summary: run.summary.optional(),
  bot_id: BotIdSchema.optional(),
  kb_entities: run.kb_entities.unwrap().optional(),
});
export const ExplainResultSchema = RouteTargetSchema.extend({
  rule: z.string(),
  source: RoutingSourceSchema,
  rules: z.array(z.object({ name: z.string(), intents: z.array(z.string()), matched: z.boolean() })),
});
export type ExplainResult = z.infer<typeof ExplainResultSchema>;
