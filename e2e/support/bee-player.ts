/**
 * A bee played by a test: it announces itself (a presence file with this process's pid,
 * so it is live), keeps its heartbeat, claims and answers tasks the way a bee does, and can
 * die (its presence names a pid no process can have) or stop cleanly (its presence goes).
 * Every presence write is queued after the one before, so a heartbeat in flight never lands
 * after a death and brings the bee back.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { claimAsBee, setStatusAsBee, writePresence, writeResponse } from '../../scripts/lib/hive-files';

/** Above the largest pid_max Linux allows (2^22): no process has it. */
export const DEAD_PID = 2 ** 22 + 4321;
const HEARTBEAT_MS = 3_000;

export class PlayedBee {
  private current: string | null = null;
  private alive = false;
  private timer: NodeJS.Timeout | null = null;
  private writes: Promise<void> = Promise.resolve();

  constructor(
    readonly root: string,
    readonly name: string,
    readonly bot: string,
  ) {}

  /** Announces the bee and keeps its heartbeat until it dies or stops. */
  async start(): Promise<void> {
    this.alive = true;
    await this.beat();
    this.timer = setInterval(() => void this.beat().catch(() => {}), HEARTBEAT_MS);
  }

  /** Claims the task (O_EXCL) and says so in its presence: true when it now holds it. */
  async claim(taskId: string): Promise<boolean> {
    const won = await claimAsBee(this.root, taskId, this.name, this.bot);
    if (won) {
      this.current = taskId;
      await this.beat();
    }
    return won;
  }

  setStatus(taskPath: string, status: string): Promise<void> {
    return setStatusAsBee(this.root, taskPath, status);
  }

  async answer(taskId: string, content: string): Promise<void> {
    await writeResponse(this.root, `${this.bot}-RESPONSE-${taskId}.md`, content);
    this.current = null;
    await this.beat();
  }

  /** The bee's process is gone: the server finds its pid missing at the next liveness check. */
  die(): Promise<void> {
    this.halt();
    return this.queue(() =>
      writePresence(this.root, this.name, [this.bot], { current_task: this.current, pid: DEAD_PID }),
    );
  }

  /** A clean stop: the presence file goes. */
  stop(): Promise<void> {
    this.halt();
    return this.queue(() => rm(path.join(this.root, '.deia', 'hive', 'bees', `${this.name}.json`), { force: true }));
  }

  private halt(): void {
    this.alive = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private beat(): Promise<void> {
    return this.queue(async () => {
      if (this.alive) await writePresence(this.root, this.name, [this.bot], { current_task: this.current });
    });
  }

  private queue(write: () => Promise<void>): Promise<void> {
    const next = this.writes.then(write);
    this.writes = next.catch(() => {});
    return next;
  }
}
