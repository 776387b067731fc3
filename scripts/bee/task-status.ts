/** Rewrites a task file's `status` the way the contract allows: whole, via tmp/, nothing else changed. */
import { randomBytes } from 'node:crypto';
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Returns false when the task file is gone (the server archived it). */
export async function setTaskStatus(taskFile: string, tmpDir: string, status: string): Promise<boolean> {
  let task: Record<string, unknown>;
  try {
    task = JSON.parse(await readFile(taskFile, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  const tmp = path.join(tmpDir, `bee.${process.pid}.${randomBytes(4).toString('hex')}.json`);
  await writeFile(tmp, `${JSON.stringify({ ...task, status }, null, 2)}\n`);
  try {
    await rename(tmp, taskFile);
    return true;
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
