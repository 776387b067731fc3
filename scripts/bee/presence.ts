/**
 * A bee's presence file, `bees/{bee}.json` (DESIGN §6): written whole when the bee starts,
 * every heartbeat and whenever its task in hand changes; removed when it stops cleanly.
 * The heartbeat is a timer, so it keeps beating while a command runs: a slow bee is not a dead one.
 */
import { readFile, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BeePresenceSchema, type BeePresence } from '../../server/contracts/bee';
import { processAlive } from '../../server/core/processes';
import { replaceFile } from './replace-file';

export const HEARTBEAT_MS = 5000;

export class Presence {
  readonly file: string;
  private readonly record: BeePresence;
  private timer: NodeJS.Timeout | null = null;
  /** Writes happen one at a time, and a write always takes the latest state, so changes coalesce. */
  private writing: Promise<void> | null = null;
  private dirty = false;
  private removed = false;

  constructor(
    private readonly dirs: { bees: string; tmp: string },
    bee: string,
    bots: string[],
    private readonly heartbeatMs: number,
    private readonly log: (line: string) => void,
  ) {
    this.file = path.join(dirs.bees, `${bee}.json`);
    const now = new Date().toISOString();
    this.record = BeePresenceSchema.parse({
      bee,
      bots,
      host: os.hostname(),
      pid: process.pid,
      started_at: now,
      heartbeat_at: now,
      current_task: null,
    });
  }

  async start(): Promise<void> {
    await this.warnIfNameTaken();
    this.timer = setInterval(() => void this.write(), this.heartbeatMs);
    await this.write();
  }

  /** The task in hand, or null between tasks. */
  setCurrentTask(taskId: string | null): Promise<void> {
    if (this.record.current_task === taskId) return this.writing ?? Promise.resolve();
    this.record.current_task = taskId;
    return this.write();
  }

  /** Stops the heartbeat and removes the file (after any write in flight, which would otherwise put it back). */
  async remove(): Promise<void> {
    this.removed = true;
    if (this.timer) clearInterval(this.timer);
    await this.writing;
    await unlink(this.file).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') this.log(`could not remove ${path.basename(this.file)}: ${err.message}`);
    });
  }

  private write(): Promise<void> {
    if (this.removed) return Promise.resolve();
    this.dirty = true;
    // `finally` runs after the assignment (never before it), and picks up a change made while it was due.
    this.writing ??= this.drain().finally(() => {
      this.writing = null;
      if (this.dirty) void this.write();
    });
    return this.writing;
  }

  private async drain(): Promise<void> {
    while (this.dirty && !this.removed) {
      this.dirty = false;
      this.record.heartbeat_at = new Date().toISOString();
      await replaceFile(this.dirs.tmp, this.file, `${JSON.stringify(this.record)}\n`).catch((err: Error) =>
        this.log(`could not write ${path.basename(this.file)}: ${err.message}`),
      );
    }
  }

  /** Two live bees under one name would overwrite each other's presence (and confuse their claims). */
  private async warnIfNameTaken(): Promise<void> {
    const text = await readFile(this.file, 'utf8').catch(() => null);
    const other = text === null ? null : BeePresenceSchema.safeParse(safeJson(text)).data;
    if (
      other &&
      other.host === this.record.host &&
      other.pid !== null &&
      other.pid !== process.pid &&
      processAlive(other.pid)
    )
      this.log(`another bee named ${other.bee} is running (pid ${other.pid}); give each bee its own --name`);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
