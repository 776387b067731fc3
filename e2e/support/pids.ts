/** The processes a bee's command started, as the test's command records them (`echo $$ >> file`). */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

/** Whether a process still runs; a zombie (exited, not yet reaped by a busy init) is gone too. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** The pids a command appended to `file`, one a line (none yet if the file is missing). */
export async function recordedPids(file: string): Promise<number[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).map(Number);
}

/** Kills whatever of them still runs, so no test leaves a `sleep 600` behind whatever happened. */
export async function killRecorded(file: string): Promise<void> {
  for (const pid of await recordedPids(file)) if (alive(pid)) process.kill(pid, 'SIGKILL');
}
