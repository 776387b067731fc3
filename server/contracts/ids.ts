/** Id rules shared by every interface: task and bot ids become path segments on disk. */
import { z } from 'zod';

export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
export const ID_MAX_LENGTH = 128;

function idSchema(field: string) {
  return z
    .string({ error: (issue) => (issue.input === undefined ? `${field} is required` : `${field} must be a string`) })
    .min(1, `${field} must not be empty`)
    .max(ID_MAX_LENGTH, `${field} must be at most ${ID_MAX_LENGTH} characters`)
    .regex(
      ID_PATTERN,
      `${field} may contain only letters, digits, '.', '_' and '-', and must start with a letter or digit`,
    );
}

export const TaskIdSchema = idSchema('task_id');
export const BotIdSchema = idSchema('bot_id');
/** A bee's name (`--name`), the `{bee}` of `bees/{bee}.json`. */
export const BeeNameSchema = idSchema('bee');

export type TaskId = z.infer<typeof TaskIdSchema>;
export type BotId = z.infer<typeof BotIdSchema>;
export type BeeName = z.infer<typeof BeeNameSchema>;

export const DEFAULT_BOT_ID = 'BEE-001';
