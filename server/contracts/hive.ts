/** Shapes the dashboard reads besides tasks: the routing table in force and a task's timeline. */
import { z } from 'zod';
import { TaskIdSchema } from './ids';
import { LedgerEventSchema } from './ledger';
import { RoutingSourceSchema, RoutingTableSchema } from './routing';
import { CompletedResponseSchema, TaskFieldsSchema } from './task';
import { TaskRowSchema } from './task-list';

export const RoutingInfoSchema = z.object({
  source: RoutingSourceSchema,
  loaded_at: z.string(),
  table: RoutingTableSchema,
  /** Why `.deia/routing.json` was refused, while the previous table stays in force. */
  error: z.string().nullable(),
});
export type RoutingInfo = z.infer<typeof RoutingInfoSchema>;

export const TimelineEntrySchema = LedgerEventSchema.extend({
  since_previous_ms: z.number().nullable(),
  since_start_ms: z.number(),
});
export const TimelineSchema = z.object({
  task_id: TaskIdSchema,
  events: z.array(TimelineEntrySchema),
});
export type Timeline = z.infer<typeof TimelineSchema>;

export const TaskDetailSchema = z.object({
  task_id: TaskIdSchema,
  row: TaskRowSchema.nullable(),
  task: TaskFieldsSchema.nullable(),
  task_warning: z.string().nullable(),
  response: CompletedResponseSchema.nullable(),
});
export type TaskDetail = z.infer<typeof TaskDetailSchema>;

/** Resume point of the live stream: the last ledger id the client saw. */
export const LiveInputSchema = z
  .object({ lastEventId: z.string().regex(/^\d+$/, 'lastEventId must be a ledger id').nullish() })
  .optional();
