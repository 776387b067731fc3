/** Ledger events as they leave the database: the rows of `.deia/ledger.db` table `events`. */
import { z } from 'zod';

export const LEDGER_EVENT_TYPES = [
  'task_execution_started',
  'task_routed',
  'task_dispatched',
  'task_claimed',
  'task_status_changed',
  'task_completed',
  'task_timeout',
  'task_archived',
] as const;

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
