/**
 * The bee protocol over HTTP (DESIGN §8): what a bee on another machine sends and gets back.
 * The server performs the file steps for it (claim file, status rewrite, response file), so
 * an HTTP bee and a file bee serving the same bot never work the same task.
 */
import { z } from 'zod';
import { BotIdSchema, TaskIdSchema } from './ids';
import { TaskFileSchema } from './task';

/** A lease lasts this long unless renewed; bees renew every third of it (DESIGN §8). */
export const LEASE_SECONDS = 60;
export const RENEW_EVERY_SECONDS = 20;
/** The longest a claim may wait for a task. */
export const MAX_CLAIM_WAIT_SECONDS = 30;

const BotsSchema = z
  .array(BotIdSchema)
  .min(1, 'bots must name at least one bot')
  .max(64, 'bots may name at most 64 bots');

/** A lease token: opaque to the bee, the fence of one attempt. */
export const LeaseTokenSchema = z
  .string({ error: 'lease_token is required' })
  .regex(/^[A-Za-z0-9_-]{16,128}$/, 'lease_token is not a lease token this server hands out');

/** POST /api/bees/{bee}/heartbeat: presence, as a file bee's `bees/{bee}.json` (DESIGN §6). */
export const HeartbeatInputSchema = z.strictObject({
  bots: BotsSchema,
  current_task: TaskIdSchema.nullish(),
  /** The bee's machine and process, shown on the dashboard. */
  host: z.string().min(1).max(255).optional(),
  pid: z.number().int().positive().optional(),
});
export type HeartbeatInput = z.infer<typeof HeartbeatInputSchema>;

export const HeartbeatReplySchema = z.object({
  /** Tasks this bee holds that an operator cancelled: stop their work, then acknowledge. */
  cancel: z.array(TaskIdSchema),
  /** How long a heartbeat keeps the bee live. */
  live_seconds: z.number().int().positive(),
});
export type HeartbeatReply = z.infer<typeof HeartbeatReplySchema>;

/** POST /api/bees/{bee}/claim: the oldest waiting task of these bots, waiting up to `wait_seconds` for one. */
export const ClaimInputSchema = z.strictObject({
  bots: BotsSchema,
  wait_seconds: z
    .number({ error: 'wait_seconds must be a number' })
    .min(0, 'wait_seconds must be 0 or more')
    .max(MAX_CLAIM_WAIT_SECONDS, `wait_seconds must be at most ${MAX_CLAIM_WAIT_SECONDS}`)
    .default(0),
});
export type ClaimInput = z.infer<typeof ClaimInputSchema>;

export const LeaseSchema = z.object({
  task_id: TaskIdSchema,
  /** 1 for the first claim of the task, 2 for the next after a lease ran out, … */
  attempt: z.number().int().positive(),
  lease_token: LeaseTokenSchema,
  lease_expires_at: z.iso.datetime(),
});
export type Lease = z.infer<typeof LeaseSchema>;

/** 200 of a claim: the task file as a file bee would read it, and the lease that fences this attempt. */
export const ClaimedSchema = LeaseSchema.extend({ task: TaskFileSchema });
export type Claimed = z.infer<typeof ClaimedSchema>;

/** POST /api/tasks/{id}/lease (renew) and /release (give the task back, e.g. a bee told to stop at once). */
export const LeaseInputSchema = z.strictObject({ lease_token: LeaseTokenSchema });

/** The status rewrites a bee makes in its task file. */
export const BEE_STATUSES = ['active', 'in_progress', 'blocked', 'cancelled'] as const;
export const BeeStatusSchema = z.enum(BEE_STATUSES, {
  error: `status must be one of ${BEE_STATUSES.join(', ')}`,
});

export const StatusInputSchema = z.strictObject({ lease_token: LeaseTokenSchema, status: BeeStatusSchema });

export const ResponseInputSchema = z.strictObject({
  lease_token: LeaseTokenSchema,
  /** The response file's markdown, published whole by the server. */
  content: z.string({ error: 'content is required' }).min(1, 'content must not be empty'),
  /** `blocked`: the work failed, and the response says why (the task stays blocked). */
  status: z.enum(['completed', 'blocked'], { error: 'status must be completed or blocked' }).optional(),
});
export type ResponseInput = z.infer<typeof ResponseInputSchema>;

/** What a lease-holding call did: the task's delivery state after it. */
export const LeaseActionResultSchema = z.object({
  task_id: TaskIdSchema,
  attempt: z.number().int().positive(),
  state: z.string(),
  lease_expires_at: z.iso.datetime().optional(),
  response_path: z.string().optional(),
});
export type LeaseActionResult = z.infer<typeof LeaseActionResultSchema>;
