/** A bee's presence file, `.deia/hive/bees/{bee}.json` (DESIGN §6): written by the bee, read by the server. */
import { z } from 'zod';
import { BotIdSchema, ID_MAX_LENGTH, ID_PATTERN, TaskIdSchema } from './ids';

export const BeeNameSchema = z
  .string()
  .max(ID_MAX_LENGTH, `a bee's name must be at most ${ID_MAX_LENGTH} characters`)
  .regex(ID_PATTERN, "a bee's name may contain only letters, digits, '.', '_' and '-'");

/** Lenient about fields it does not know: bees may say more about themselves. */
export const BeePresenceSchema = z.looseObject({
  bee: BeeNameSchema,
  bots: z.array(BotIdSchema).min(1).max(100),
  host: z.string().min(1).max(255),
  pid: z.number().int().positive(),
  started_at: z.string(),
  heartbeat_at: z.string(),
  current_task: TaskIdSchema.nullable().default(null),
});
export type BeePresence = z.infer<typeof BeePresenceSchema>;
