/** Claim files (`claims/{task_id}`), created exclusively by the bee that takes a task. */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { BotIdSchema, TaskIdSchema } from '../contracts/ids';

export interface Claim {
  botId: string;
  /** What the bee wrote, when it was JSON (e.g. `{bot_id, claimed_at}`). */
  raw: Record<string, unknown>;
}

/**
 * Reads a claim without following symlinks. Bees write either JSON with `bot_id` or a
 * line starting with the bot id; anything else counts as a claim by "unknown". An empty
 * file is a claim whose content is still being written: null until it lands.
 */
export async function readClaim(claimsDir: string, taskId: string): Promise<Claim | null> {
  if (!TaskIdSchema.safeParse(taskId).success) return null;
  let text: string;
  try {
    // O_NONBLOCK: a named pipe in claims/ must not hold a thread forever.
    const handle = await open(
      path.join(claimsDir, taskId),
      constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK,
    );
    try {
      if (!(await handle.stat()).isFile()) return null;
      const buffer = Buffer.alloc(4096);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      text = buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await handle.close();
    }
  } catch {
    return null;
  }
  if (text.trim() === '') return null;
  try {
    const json: unknown = JSON.parse(text);
    if (typeof json === 'object' && json !== null && !Array.isArray(json)) {
      const fields = json as Record<string, unknown>;
      const botId = BotIdSchema.safeParse(fields.bot_id ?? fields.bot);
      return { botId: botId.success ? botId.data : 'unknown', raw: fields };
    }
  } catch {
    // not JSON: fall through to the plain-text form
  }
  const first = BotIdSchema.safeParse(text.trim().split(/\s+/)[0]);
  return { botId: first.success ? first.data : 'unknown', raw: {} };
}
