/**
 * Ending a command's whole process group, so that no child of it outlives a cancel or a stop:
 * SIGTERM to the group, SIGKILL to whatever is still running after a grace period.
 */
import { readdir, readFile } from 'node:fs/promises';

export const KILL_GRACE_MS = 1000;
/** After SIGKILL only a process stuck in the kernel (uninterruptible I/O) can linger; we do not wait for it forever. */
const AFTER_KILL_MS = 5000;
const POLL_MS = 25;

/** Resolves true once nothing in the group runs any more, false if something outlived SIGKILL. */
export async function endProcessGroup(pgid: number, graceMs = KILL_GRACE_MS): Promise<boolean> {
  signalGroup(pgid, 'SIGTERM');
  if (await waitUntilGone(pgid, graceMs)) return true;
  signalGroup(pgid, 'SIGKILL');
  return waitUntilGone(pgid, AFTER_KILL_MS);
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

async function waitUntilGone(pgid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (!(await groupRunning(pgid))) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/**
 * Whether any process of the group still runs. kill(-pgid, 0) also answers for members that
 * have exited but wait for their parent to reap them (zombies); an orphan's parent is init,
 * and some container inits never reap. On Linux /proc tells the running from the dead.
 */
export async function groupRunning(pgid: number): Promise<boolean> {
  try {
    process.kill(-pgid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (process.platform !== 'linux') return true;
  const pids = (await readdir('/proc').catch(() => null))?.filter((name) => /^\d+$/.test(name));
  if (!pids) return true;
  for (const pid of pids) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    // `pid (comm) state ppid pgrp …`; comm may hold spaces and parentheses, so read after the last ')'.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') return true;
  }
  return false;
}
