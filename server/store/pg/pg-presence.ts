/**
 * Which HTTP bees are alive, when any server may hear them. Each heartbeat (or claim)
 * updates the bee's row; `bee_online` is recorded by the write that finds it offline, and
 * `bee_offline` by the sweep that finds its last word too old: both decided on the row
 * under its lock, so with three servers each change is recorded once. Each server's
 * tracker is fed from the rows, so health and stuck-task rules see bees heard elsewhere.
 */
import { BEE_LIVE_SECONDS, type BeePresence } from '../../contracts/bee';
import { SERVER_ACTOR } from '../../core/claims';
import type { BeePresenceTracker } from '../../core/presence';
import { stillWorkingOn } from '../../core/remote/heartbeats';
import type { TaskView } from '../../core/task-view';
import type { PgDb } from './pg-db';

export class PgPresence {
  /** Bees with a claim open on this server (how many each): an open long-poll is a bee alive. */
  private readonly waitingBees = new Map<string, number>();
  private readSince = new Date(0);
  private refreshing: Promise<void> | null = null;

  constructor(
    private readonly db: PgDb,
    private readonly tracker: BeePresenceTracker,
    private readonly view: Pick<TaskView, 'get'>,
  ) {}

  async heard(
    bee: string,
    bots: readonly string[],
    currentTask: string | null,
    from: { host?: string; pid?: number | null },
  ): Promise<void> {
    const host = from.host ?? 'unknown';
    const pid = from.pid ?? null;
    const record = await this.db.write(async (tx, record) => {
      // A bee heard for the first time has no row to lock: make one (offline) first, so two
      // servers hearing it at once queue on the same row and only the first says it came online.
      await tx.query(
        `INSERT INTO bees (bee, record, heard_at, online) VALUES ($1, '{}', now(), false) ON CONFLICT (bee) DO NOTHING`,
        [bee],
      );
      const { rows } = await tx.query<{ record: BeePresence; online: boolean; now: Date }>(
        'SELECT record, online, now() FROM bees WHERE bee = $1 FOR UPDATE',
        [bee],
      );
      const prev = rows[0]!;
      const now = prev.now.toISOString();
      const sameRun = prev.record.host === host && prev.record.pid === pid;
      const presence: BeePresence = {
        bee,
        bots: [...bots],
        host,
        pid,
        started_at: sameRun ? prev.record.started_at : now,
        heartbeat_at: now,
        current_task: currentTask,
        via: 'http',
      };
      await tx.query('UPDATE bees SET record = $2, heard_at = now(), online = true WHERE bee = $1', [
        bee,
        JSON.stringify(presence),
      ]);
      if (!prev.online) {
        await record([
          { event_type: 'bee_online', task_id: null, actor: bee, data: { bee, bots: presence.bots, host, pid } },
        ]);
      }
      return presence;
    });
    this.tracker.seen(record);
  }

  /** A claim is activity too; what the bee last said it serves and works on stands. */
  async claiming(bee: string, bots: readonly string[]): Promise<void> {
    const known = this.tracker.get(bee)?.record;
    if (known) await this.heard(bee, known.bots, stillWorkingOn(this.view, known.current_task), known);
    else await this.heard(bee, bots, null, {});
  }

  /** Counts an open claim of `bee`; call the result when it ends. */
  waiting(bee: string): () => void {
    this.waitingBees.set(bee, (this.waitingBees.get(bee) ?? 0) + 1);
    return () => {
      const left = this.waitingBees.get(bee)! - 1;
      if (left > 0) this.waitingBees.set(bee, left);
      else this.waitingBees.delete(bee);
    };
  }

  /**
   * Every few seconds: bees waiting on a claim here are alive; bees silent too long go
   * offline (recorded by whichever server looks first); this server's tracker learns what
   * every server heard.
   */
  async check(): Promise<void> {
    if (this.waitingBees.size) {
      await this.db.pool.query('UPDATE bees SET heard_at = now() WHERE bee = ANY($1) AND online', [
        [...this.waitingBees.keys()],
      ]);
    }
    await this.db.write(async (tx, record) => {
      const { rows } = await tx.query<{ bee: string; record: BeePresence }>(
        `UPDATE bees SET online = false
         WHERE online AND heard_at < now() - make_interval(secs => $1) RETURNING bee, record`,
        [BEE_LIVE_SECONDS],
      );
      if (rows.length === 0) return;
      await record(
        rows.map(({ bee, record: r }) => ({
          event_type: 'bee_offline' as const,
          task_id: null,
          actor: SERVER_ACTOR,
          data: { bee, bots: r.bots, host: r.host, pid: r.pid, reason: 'heartbeat_lost' },
        })),
      );
    });
    await this.refresh();
    this.tracker.check();
  }

  /**
   * What every server heard since the last look, into this server's tracker. Reads that
   * judge bees call it too, so a bee heard on another server shows at once; reads at the
   * same moment share one look.
   */
  refresh(): Promise<void> {
    if (this.refreshing) return this.refreshing;
    this.refreshing = (async () => {
      try {
        const rows = await this.db.read<{ record: BeePresence; heard_at: Date; read_at: Date }>(
          'SELECT record, heard_at, now() AS read_at FROM bees WHERE heard_at >= $1',
          [this.readSince],
        );
        for (const { record, heard_at } of rows) {
          this.tracker.seen({ ...record, heartbeat_at: heard_at.toISOString() }, heard_at.getTime());
        }
        // Overlapping a little: a heartbeat committed while this read ran is read next time.
        if (rows[0]) this.readSince = new Date(rows[0].read_at.getTime() - 5000);
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }
}
