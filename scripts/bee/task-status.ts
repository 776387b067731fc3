/** Rewrites a task file's `status` the way the contract allows: whole, via tmp/, nothing else changed. */
import { readFile } from 'node:fs/promises';
import { replaceFile } from './replace-file';

/** Returns false when the task file is gone (the server archived it). */
export async function setTaskStatus(taskFile: string, tmpDir: string, status: string): Promise<boolean> {
  try {
    const task = JSON.parse(await readFile(taskFile, 'utf8')) as Record<string, unknown>;
    await replaceFile(tmpDir, taskFile, `${JSON.stringify({ ...task, status }, null, 2)}\n`);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
