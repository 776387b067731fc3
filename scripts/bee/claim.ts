/**
 * Claims: `claims/{task_id}` created with O_EXCL, so of any number of bees exactly one
 * owns a task. A claim names the bee and its process, so a restarted bee can tell its own
 * unfinished work (owner process gone) from a task another live bee is working on.
 */
import { unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readClaim } from '../../server/core/claims';
import { processAlive } from '../../server/core/processes';

export interface ClaimRecord {
  bot_id: string;
  bee: string;
  host: string;
  pid: number;
  claimed_at: string;
}

export type ClaimOutcome = 'claimed' | 'resumed' | 'taken';

export async function claimTask(claimsDir: string, taskId: string, botId: string, bee: string): Promise<ClaimOutcome> {
  const file = path.join(claimsDir, taskId);
  const record: ClaimRecord = {
    bot_id: botId,
    bee,
    host: os.hostname(),
    pid: process.pid,
    claimed_at: new Date().toISOString(),
  };
  try {
    await writeFile(file, `${JSON.stringify(record)}\n`, { flag: 'wx' });
    return 'claimed';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  // The server's reader: no symlinks followed, no named pipe can block it.
  const existing = (await readClaim(claimsDir, taskId))?.raw as Partial<ClaimRecord> | undefined;
  const mine = existing?.bee === bee && existing.host === os.hostname();
  // Our own claim from a run that died before answering: the work was never finished.
  if (mine && existing.pid !== process.pid && typeof existing.pid === 'number' && !processAlive(existing.pid))
    return 'resumed';
  return 'taken';
}

/**
 * Gives a task back: the claim file goes, so another bee (or this one, restarted) may claim it.
 * The caller first rewrites the task's status to `active`, so the task never reads as unclaimed
 * and `in_progress` at once.
 */
export async function releaseClaim(claimsDir: string, taskId: string): Promise<void> {
  await unlink(path.join(claimsDir, taskId)).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}
