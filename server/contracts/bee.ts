/** What bees and the server exchange besides tasks and responses: a bee's presence file and a cancel request. */
import { z } from 'zod';
import { BeeNameSchema, BotIdSchema, TaskIdSchema } from './ids';

/** A bee is live while its heartbeat is younger than this (DESIGN §6). */
export const BEE_LIVE_SECONDS = 30;

/**
 * `.deia/hive/bees/{bee}.json`: written whole (tmp, then rename) when the bee starts, at least
 * every 10 s and whenever `current_task` changes; removed when it stops cleanly. Fields a bee
 * adds of its own are kept; the server reads these.
 */
export const BeePresenceSchema = z.looseObject({
  bee: BeeNameSchema,
  bots: z.array(BotIdSchema).min(1, 'bots must name at least one bot'),
  host: z.string().min(1),
  /** Null for a bee over HTTP that did not say. */
  pid: z.number().int().positive().nullable(),
  started_at: z.iso.datetime(),
  heartbeat_at: z.iso.datetime(),
  /** The task in hand: claimed and being worked on. */
  current_task: TaskIdSchema.nullable(),
  /** `http`: the server writes this file for a bee that speaks the protocol over HTTP (DESIGN §8). */
  via: z.enum(['file', 'http']).optional(),
});
export type BeePresence = z.infer<typeof BeePresenceSchema>;

/**
 * `.deia/hive/cancels/{task_id}`, written by the server for a claimed task. Its existence is the
 * request: a bee reads the fields only to say why, and stops the work even if they do not parse.
 */
export const CancelRequestSchema = z.object({
  task_id: TaskIdSchema,
  reason: z.string().nullish(),
  requested_at: z.string(),
});
export type CancelRequest = z.infer<typeof CancelRequestSchema>;
