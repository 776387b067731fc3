/**
 * Heartbeats of bees over HTTP (DESIGN §8). Each heartbeat (and each claim) is the bee's
 * activity, told to the presence tracker at once. Its presence file (`bees/{bee}.json`,
 * marked `via: http`) is written as a file bee writes its own: when something in it changes,
 * and otherwise every 10 s, so a thousand bees beating every 5 s do not mean two hundred file
 * writes a second. The reply carries the cancels of the tasks the bee holds, since it cannot
 * watch `cancels/`.
 */
import path from 'node:path';
import { BEE_LIVE_SECONDS, type BeePresence } from '../../contracts/bee';
import type { HeartbeatInput, HeartbeatReply } from '../../contracts/bee-protocol';
import { replaceFile } from '../atomic-write';
import { HiveError } from '../errors';
import type { HiveParts } from '../hive-parts';
import { isFinished } from '../actions/turn';
import type { TaskView } from '../task-view';
import { requireBots, type BeeScope } from './bee-scope';

/**
 * The task a bee last said it works on, unless that task has ended since: an idle bee
 * sends claims, not heartbeats, so its last word would otherwise name a finished task.
 */
export function stillWorkingOn(view: Pick<TaskView, 'get'>, taskId: string | null): string | null {
  const row = taskId ? view.get(taskId) : undefined;
  return row && !isFinished(row) ? taskId : null;
}

/** DESIGN §6: a presence file is rewritten at least this often. */
const FILE_EVERY_MS = 10_000;

interface Run {
  host: string;
  pid: number | null;
  startedAt: string;
  /** What the presence file says now (but its heartbeat), and when it was written. */
  written: string;
  writtenAt: number;
}

export class Heartbeats {
  private readonly runs = new Map<string, Run>();

  constructor(
    private readonly parts: HiveParts,
    /** Tells the hive the bee was heard from, without waiting for a file event. */
    private readonly heard: (record: BeePresence) => Promise<void>,
  ) {}

  async beat(bee: string, input: HeartbeatInput, scope: BeeScope): Promise<HeartbeatReply> {
    requireBots(scope, input.bots, 'send heartbeats');
    await this.record(bee, input.bots, input.current_task ?? null, input);
    return { cancel: this.cancelsFor(bee), live_seconds: BEE_LIVE_SECONDS };
  }

  /**
   * A claim is activity too: a bee that claims before its first heartbeat is recorded as
   * present, and one waiting on a long claim stays live. What it last said it serves and
   * works on stands.
   */
  async claiming(bee: string, bots: readonly string[]): Promise<void> {
    const known = this.parts.presence.get(bee);
    if (known?.record.via === 'http')
      await this.record(
        bee,
        known.record.bots,
        stillWorkingOn(this.parts.view, known.record.current_task),
        known.record,
      );
    else await this.record(bee, [...bots], null, {});
  }

  /** A bee whose claim is still open: alive now, though it has not spoken since it asked. */
  async stillWaiting(bee: string): Promise<void> {
    const known = this.parts.presence.get(bee);
    if (known?.record.via !== 'http') return;
    await this.heard({ ...known.record, heartbeat_at: new Date(this.parts.now()).toISOString() });
  }

  /** Tasks held by this bee that an operator asked to stop. */
  private cancelsFor(bee: string): string[] {
    return this.parts.view
      .inState('cancelling')
      .filter((row) => row.claimed_by_bee === bee)
      .map((row) => row.task_id);
  }

  private async record(
    bee: string,
    bots: string[],
    currentTask: string | null,
    from: { host?: string; pid?: number | null },
  ): Promise<void> {
    const known = this.parts.presence.get(bee);
    if (known?.live && known.record.via !== 'http') {
      throw new HiveError(
        'CONFLICT',
        `A bee named ${bee} is live on ${known.record.host} and works through the hive's files; give this bee another name.`,
      );
    }
    const host = from.host ?? 'unknown';
    const pid = from.pid ?? null;
    const now = this.parts.now();
    let run = this.runs.get(bee);
    if (!run || run.host !== host || run.pid !== pid) {
      run = { host, pid, startedAt: new Date(now).toISOString(), written: '', writtenAt: -Infinity };
      this.runs.set(bee, run);
    }
    const record: BeePresence = {
      bee,
      bots,
      host,
      pid,
      started_at: run.startedAt,
      heartbeat_at: new Date(now).toISOString(),
      current_task: currentTask,
      via: 'http',
    };
    const content = JSON.stringify({ ...record, heartbeat_at: null });
    if (content !== run.written || now - run.writtenAt >= FILE_EVERY_MS) {
      const { bees, tmp } = this.parts.paths;
      await replaceFile(tmp, path.join(bees, `${bee}.json`), `${JSON.stringify(record)}\n`);
      run.written = content;
      run.writtenAt = now;
    }
    await this.heard(record);
  }
}
