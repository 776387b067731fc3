/** Time stamps and generated task ids: lexically sortable, unique even within one millisecond. */
import { randomBytes } from 'node:crypto';

/** `20260201T093000123Z`: the stamp that prefixes task file names and sorts by time. */
export function fileStamp(at: Date): string {
  return at.toISOString().replace(/[-:.]/g, '');
}

/**
 * `TASK-20260201093000-7f3a9c0e51d2`: seconds plus 48 random bits, so ids stay distinct
 * without coordination (20,000 in one second collide with odds of about 1 in a million,
 * across servers too); `isTaken` lets the caller reject that rare collision.
 */
export function newTaskId(at: Date, isTaken: (id: string) => boolean): string {
  const seconds = at.toISOString().slice(0, 19).replace(/[-:T]/g, '');
  for (;;) {
    const id = `TASK-${seconds}-${randomBytes(6).toString('hex')}`;
    if (!isTaken(id)) return id;
  }
}
