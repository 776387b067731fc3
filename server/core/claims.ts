/**
 * Claim files (`claims/{task_id}`), created exclusively by the bee that takes a task. The
 * server takes a claim too, the same way, when it must be sure no bee starts a task it is
 * cancelling or moving: whoever creates the file first owns the task.
 */
import { constants } from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import path from 'node:path';
import { BotIdSchema, TaskIdSchema } from '../contracts/ids';
import { publishFile } from './atomic-write';
import { HiveError } from './errors';
import type { HivePaths } from './hive-paths';

/** The server's name in the ledger, and in the claims it takes. */
export const SERVER_ACTOR = 'hive-control';

export interface Claim {
  botId: string;
  /** What the bee wrote, when it was JSON (e.g. `{bot_id, claimed_at}`). */
  raw: Record<string, unknown>;
  /**
   * Whether the bee has visibly finished writing it (a JSON object, or a line with its end).
   * Bees create claims in place (O_EXCL), so a claim can be read between create and write.
   */
  whole: boolean;
  size: number;
  mtimeMs: number;
}

/**
 * Reads a claim without following symlinks. Bees write either JSON with `bot_id` or a
 * line starting with the bot id; anything else counts as a claim by "unknown".
 */
export async function readClaim(claimsDir: string, taskId: string): Promise<Claim | null> {
  if (!TaskIdSchema.safeParse(taskId).success) return null;
  let text: string;
  let file: { size: number; mtimeMs: number };
  try {
    // O_NONBLOCK: a named pipe in claims/ must not hold a thread forever.
    const handle = await open(
      path.join(claimsDir, taskId),
      constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK,
    );
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) return null;
      file = { size: stat.size, mtimeMs: stat.mtimeMs };
      const buffer = Buffer.alloc(4096);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      text = buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await handle.close();
    }
  } catch {
    return null;
  }
  try {
    const json: unknown = JSON.parse(text);
    if (typeof json === 'object' && json !== null && !Array.isArray(json)) {
      const fields = json as Record<string, unknown>;
      const botId = BotIdSchema.safeParse(fields.bot_id ?? fields.bot);
      return { botId: botId.success ? botId.data : 'unknown', raw: fields, whole: true, ...file };
    }
  } catch {
    // not JSON: fall through to the plain-text form
  }
  const first = BotIdSchema.safeParse(text.trim().split(/\s+/)[0]);
  return { botId: first.success ? first.data : 'unknown', raw: {}, whole: text.endsWith('\n'), ...file };
}

/**
 * Takes a task's claim for the server, as a bee would, exclusively (the file is linked into
 * place whole, so no reader sees it empty): true when the server now owns the task, false
 * when a bee (or an earlier server action) got there first.
 */
export async function claimForServer(
  paths: Pick<HivePaths, 'claims' | 'tmp'>,
  taskId: string,
  botId: string,
  purpose: string,
): Promise<boolean> {
  const record = { bot_id: botId, bee: SERVER_ACTOR, purpose, claimed_at: new Date().toISOString() };
  try {
    await publishFile(paths.tmp, path.join(paths.claims, taskId), `${JSON.stringify(record)}\n`);
    return true;
  } catch (err) {
    if (HiveError.is(err) && err.code === 'CONFLICT') return false;
    throw err;
  }
}

/** Lets go of a claim (the server's own, or a stale one it releases for another bee). */
export async function releaseClaim(claimsDir: string, taskId: string): Promise<void> {
  await unlink(path.join(claimsDir, taskId)).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}

export function isServerClaim(claim: Claim): boolean {
  return claim.raw.bee === SERVER_ACTOR;
}
