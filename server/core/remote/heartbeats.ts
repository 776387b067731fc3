/**
 * Heartbeats of bees over HTTP (DESIGN §8). The server writes the bee's presence file
 * (`bees/{bee}.json`, marked `via: http`) as the bee would, so the dashboard, the health
 * warnings and the ledger see every bee the same way; the reply carries the cancels of
 * the tasks it holds, since it cannot watch `cancels/`.
 */
import path from 'node:path';
import { BEE_LIVE_SECONDS, type BeePresence } from '../../contracts/bee';
import type { HeartbeatInput, HeartbeatReply } from '../../contracts/bee-protocol';
import { replaceFile } from '../atomic-write';
import { HiveError } from '../errors';
import type { HiveParts } from '../hive-parts';
import { requireBots, type BeeScope } from './bee-scope';

export class Heartbeats {
  /** When each bee's current run started (a new host or pid is a new run). */
  private readonly runs = new Map<string, { host: string; pid: number | null; startedAt: string }>();

  constructor(
    private readonly parts: HiveParts,
    /** Tells the hive the presence file changed, without waiting for the watcher. */
    private readonly presenceWritten: (bee: string) => Promise<void>,
  ) {}

  async beat(bee: string, input: HeartbeatInput, scope: BeeScope): Promise<HeartbeatReply> {
    requireBots(scope, input.bots, 'send heartbeats');
    await this.write(bee, input);
    return { cancel: this.cancelsFor(bee), live_seconds: BEE_LIVE_SECONDS };
  }

  /** A bee that claims before its first heartbeat is alive too: it is recorded as present. */
  async ensurePresent(bee: string, bots: readonly string[]): Promise<void> {
    if (this.parts.presence.isLive(bee)) return;
    await this.write(bee, { bots: [...bots] });
  }

  /** Tasks held by this bee that an operator asked to stop. */
  private cancelsFor(bee: string): string[] {
    return this.parts.view
      .inState('cancelling')
      .filter((row) => row.claimed_by_bee === bee)
      .map((row) => row.task_id);
  }

  private async write(bee: string, input: HeartbeatInput): Promise<void> {
    const known = this.parts.presence.list().find((state) => state.record.bee === bee);
    if (known?.live && known.record.via !== 'http') {
      throw new HiveError(
        'CONFLICT',
        `A bee named ${bee} is live on ${known.record.host} and works through the hive's files; give this bee another name.`,
      );
    }
    const host = input.host ?? 'unknown';
    const pid = input.pid ?? null;
    const now = new Date(this.parts.now()).toISOString();
    let run = this.runs.get(bee);
    if (!run || run.host !== host || run.pid !== pid) {
      run = { host, pid, startedAt: now };
      this.runs.set(bee, run);
    }
    const record: BeePresence = {
      bee,
      bots: input.bots,
      host,
      pid,
      started_at: run.startedAt,
      heartbeat_at: now,
      current_task: input.current_task ?? null,
      via: 'http',
    };
    const { bees, tmp } = this.parts.paths;
    await replaceFile(tmp, path.join(bees, `${bee}.json`), `${JSON.stringify(record)}\n`);
    await this.presenceWritten(bee);
  }
}
