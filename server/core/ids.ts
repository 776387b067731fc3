/** Time stamps and generated task ids: lexically sortable, unique even within one millisecond. */
import { randomBytes } from 'node:crypto';

/** `20260201T093000123Z`: the stamp that prefixes task file names and sorts by time. */
export function fileStamp(at: Date): string {
  return at.toISOString().replace(/[-:.]/g, '');
}

/**
 * `TASK-20260201093000-7f3a9c`: seconds plus 24 random bits; `isTaken` lets the caller
 * reject the rare collision so ids stay distinct under any burst.
 */
export function newTaskId(at: Date, isTaken: (id: string) => boolean): string {
  const seconds = at.toISOString().slice(0, 19).replace(/[-:T]/g, '');
  for (;;) {
    const id = `TASK-${seconds}-${randomBytes(3).toString('hex')}`;
    if (!isTaken(id)) return id;
  }
}
