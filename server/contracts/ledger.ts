/** Ledger events as they leave the database: the rows of `.deia/ledger.db` table `events`. */
import { z } from 'zod';
import { TaskStateSchema } from './task-state';

export const LEDGER_EVENT_TYPES = [
  'task_execution_started',
  'task_routed',
  'task_dispatched',
  'task_held',
  'task_released',
  'task_claimed',
  'task_status_changed',
  'task_claim_released',
  'task_claim_expired',
  'task_reassigned',
  'task_cancel_requested',
  'task_cancelled',
  'task_completed',
  'task_retried',
  'task_timeout',
  'task_archived',
  'bot_paused',
  'bot_resumed',
  'bee_online',
  'bee_offline',
  'bulk_started',
  'bulk_finished',
] as const;

/** A task ends once, in one of these (the ledger keeps it to one per task). */
export const TERMINAL_EVENT_TYPES = ['task_completed', 'task_cancelled'] as const;
export type TerminalEventType = (typeof TERMINAL_EVENT_TYPES)[number];

export const LedgerEventTypeSchema = z.enum(LEDGER_EVENT_TYPES);
export type LedgerEventType = z.infer<typeof LedgerEventTypeSchema>;

export const LedgerEventSchema = z.object({
  id: z.number().int().positive(),
  ts: z.string(),
  event_type: LedgerEventTypeSchema,
  task_id: z.string().nullable(),
  actor: z.string(),
  data: z.record(z.string(), z.unknown()),
});
export type LedgerEvent = z.infer<typeof LedgerEventSchema>;

/**
 * An event as the live stream delivers it: the ledger row, plus the task's delivery state as
 * of delivery (null for events about the hive rather than a task).
 */
export const LiveEventSchema = LedgerEventSchema.extend({ state: TaskStateSchema.nullable() });
export type LiveEvent = z.infer<typeof LiveEventSchema>;
