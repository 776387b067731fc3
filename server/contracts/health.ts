/** What the hive says about itself: readiness (/api/health) and inbox health (/api/hive/bots, DESIGN §6). */
import { z } from 'zod';
import { BotIdSchema, TaskIdSchema } from './ids';
import { RoutingSourceSchema } from './routing';

export const HealthSchema = z.object({
  status: z.literal('ok'),
  tasks: z.number().int(),
  responses: z.number().int(),
  waiting: z.number().int(),
  routing_source: RoutingSourceSchema,
  ledger_last_id: z.number().int(),
  /** Fallback re-scans of the hive done since start-up (HIVE_POLL_MS apart). */
  rescans: z.number().int(),
});
export type Health = z.infer<typeof HealthSchema>;

export const WARNING_CODES = ['no_live_bee', 'stale_claim', 'long_running'] as const;

export const HealthWarningSchema = z.object({
  code: z.enum(WARNING_CODES),
  bot_id: BotIdSchema.optional(),
  task_id: TaskIdSchema.optional(),
  bee: z.string().optional(),
  message: z.string(),
});
export type HealthWarning = z.infer<typeof HealthWarningSchema>;

export const BotHealthSchema = z.object({
  bot_id: BotIdSchema,
  waiting: z.number().int(),
  /** Seconds the oldest waiting task has waited, or null when none waits. */
  oldest_waiting_s: z.number().nullable(),
  held: z.number().int(),
  /** Claimed, in progress, or being cancelled: a bee has it. */
  in_progress: z.number().int(),
  blocked: z.number().int(),
  paused: z.boolean(),
  live_bees: z.number().int(),
  last_response_at: z.string().nullable(),
  warnings: z.array(HealthWarningSchema),
});
export type BotHealth = z.infer<typeof BotHealthSchema>;

export const BeeStatusSchema = z.object({
  bee: z.string(),
  bots: z.array(BotIdSchema),
  host: z.string(),
  pid: z.number().int().nullable(),
  /** `http`: the bee works on another machine and speaks the protocol over HTTP (DESIGN §8). */
  via: z.enum(['file', 'http']),
  live: z.boolean(),
  started_at: z.string(),
  heartbeat_at: z.string(),
  /** Seconds since this server last saw the bee's heartbeat. */
  heartbeat_age_s: z.number(),
  current_task: TaskIdSchema.nullable(),
  /** For a bee that is not live: when it went offline, and why (stopped, heartbeat_lost, process_gone). */
  offline_since: z.string().nullable(),
  offline_reason: z.string().nullable(),
});
export type BeeStatus = z.infer<typeof BeeStatusSchema>;

export const BotsHealthSchema = z.object({
  bots: z.array(BotHealthSchema),
  bees: z.array(BeeStatusSchema),
  warnings: z.array(HealthWarningSchema),
});
export type BotsHealth = z.infer<typeof BotsHealthSchema>;
