/**
 * Which bees are alive. Liveness comes from activity, never from how long a task has run:
 * a bee is live while this process saw its presence change (a heartbeat) in the last
 * 30 s, and, when it runs on this host, while its process exists. Time is this process's
 * clock (given in, so tests can move it), because a remote bee's clock may be off.
 *
 * The tracker reports transitions (online, offline with a reason); the hive records them
 * in the ledger. It starts from what the ledger last recorded, so a restart repeats nothing.
 */
import type { BeePresence } from '../contracts/bee';

export const PRESENCE_STALE_MS = 30_000;

export type OfflineReason = 'stopped' | 'heartbeat_lost' | 'process_gone';

export type PresenceChange =
  | { kind: 'online'; bee: string; record: BeePresence }
  | { kind: 'offline'; bee: string; record: BeePresence | null; reason: OfflineReason };

export interface BeeState {
  record: BeePresence;
  /** When this process last saw the bee's presence change (its clock, ms). */
  seenAt: number;
  live: boolean;
}

export interface PresenceOptions {
  now: () => number;
  /** This machine's host name: a bee here is also judged by whether its pid exists. */
  host: string;
  processAlive: (pid: number) => boolean;
  staleMs?: number;
}

export class BeePresenceTracker {
  private readonly bees = new Map<string, BeeState>();
  /** Bees the ledger says are online (as of the last recorded event). */
  private readonly recordedOnline = new Set<string>();

  constructor(
    private readonly options: PresenceOptions,
    recordedOnline: Iterable<string> = [],
  ) {
    for (const bee of recordedOnline) this.recordedOnline.add(bee);
  }

  /** The bee's presence was read (a heartbeat): activity at `at` (default now). */
  seen(record: BeePresence, at = this.options.now()): PresenceChange[] {
    const known = this.bees.get(record.bee);
    // An older record (a presence file read after the server heard a newer heartbeat over HTTP) says nothing new;
    // judging the bee is check()'s, at the instant it judges.
    if (known && record.heartbeat_at < known.record.heartbeat_at) return [];
    const changed =
      !known || known.record.heartbeat_at !== record.heartbeat_at || known.record.current_task !== record.current_task;
    const seenAt = changed ? Math.min(at, this.options.now()) : known.seenAt;
    this.bees.set(record.bee, { record, seenAt, live: false });
    return this.judge(record.bee);
  }

  /** The bee's presence file is gone: it stopped cleanly. */
  gone(bee: string): PresenceChange[] {
    const known = this.bees.get(bee);
    this.bees.delete(bee);
    if (!this.recordedOnline.delete(bee)) return [];
    return [{ kind: 'offline', bee, record: known?.record ?? null, reason: 'stopped' }];
  }

  /**
   * Bees the ledger says are online but that have no presence any more (they stopped while we
   * were down). `present` is what a scan that began at `scanStartedAt` found: a bee heard
   * from since then arrived after the listing, and is not missing.
   */
  missing(present: ReadonlySet<string>, scanStartedAt = -Infinity): PresenceChange[] {
    const heardSince = (bee: string) => {
      const seenAt = this.bees.get(bee)?.seenAt;
      return seenAt !== undefined && seenAt >= scanStartedAt;
    };
    return [...this.recordedOnline]
      .filter((bee) => !present.has(bee) && !heardSince(bee))
      .flatMap((bee) => this.gone(bee));
  }

  /**
   * Judges every bee again (heartbeats age, processes die); call it every few seconds.
   * `at` is the instant judged: activity noted after it (a bee still waiting on a claim)
   * cannot make a bee look older than it is.
   */
  check(at = this.options.now()): PresenceChange[] {
    return [...this.bees.keys()].flatMap((bee) => this.judge(bee, at));
  }

  get(bee: string): BeeState | undefined {
    return this.bees.get(bee);
  }

  list(): BeeState[] {
    return [...this.bees.values()];
  }

  isLive(bee: string): boolean {
    return this.bees.get(bee)?.live ?? false;
  }

  /** The bees alive now, and the bots they serve. */
  live(): { bees: Set<string>; bots: Set<string> } {
    const bees = new Set<string>();
    const bots = new Set<string>();
    for (const [name, state] of this.bees) {
      if (!state.live) continue;
      bees.add(name);
      for (const bot of state.record.bots) bots.add(bot);
    }
    return { bees, bots };
  }

  private judge(bee: string, at = this.options.now()): PresenceChange[] {
    const state = this.bees.get(bee);
    if (!state) return [];
    const reason = this.deadBecause(state, at);
    state.live = reason === null;
    const wasOnline = this.recordedOnline.has(bee);
    if (state.live && !wasOnline) {
      this.recordedOnline.add(bee);
      return [{ kind: 'online', bee, record: state.record }];
    }
    if (!state.live && wasOnline) {
      this.recordedOnline.delete(bee);
      return [{ kind: 'offline', bee, record: state.record, reason: reason! }];
    }
    return [];
  }

  private deadBecause(state: BeeState, at: number): OfflineReason | null {
    // A bee over HTTP is judged by its heartbeats alone: its host name may be anyone's.
    const { host, pid, via } = state.record;
    if (via !== 'http' && pid !== null && host === this.options.host && !this.options.processAlive(pid))
      return 'process_gone';
    if (at - state.seenAt >= (this.options.staleMs ?? PRESENCE_STALE_MS)) return 'heartbeat_lost';
    return null;
  }
}
