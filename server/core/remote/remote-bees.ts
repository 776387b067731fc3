/**
 * Bees on other machines (DESIGN §8): the HTTP bee protocol, assembled. The server does the
 * file steps a file bee would do (presence, claim, status rewrite, response), so both kinds
 * of bee share bots, claims and the ledger. Leases live in memory and, as hashes, in the
 * claim files, from which a restarted server takes them up again with a fresh window.
 */
import type {
  Claimed,
  ClaimInput,
  HeartbeatInput,
  HeartbeatReply,
  LeaseActionResult,
  ResponseInput,
} from '../../contracts/bee-protocol';
import type { BeePresence } from '../../contracts/bee';
import type { LedgerEvent } from '../../contracts/ledger';
import { readClaim } from '../claims';
import type { HiveParts } from '../hive-parts';
import { log } from '../log';
import type { TaskActivity } from '../task-activity';
import type { BeeProtocol } from './bee-protocol';
import { requireBots, type BeeScope } from './bee-scope';
import { ClaimWaiters, WAITING_AGAIN } from './claim-waiters';
import { Claiming } from './claiming';
import { Heartbeats } from './heartbeats';
import { LeaseCalls } from './lease-calls';
import { LeaseBook } from './leases';

export interface RemoteBeesOptions {
  leaseMs: number;
  /** The bee was heard from (heartbeat or claim): its presence, as if its file had been read. */
  beeHeard: (record: BeePresence) => Promise<void>;
  responsePublished: (name: string) => Promise<void>;
}

export class RemoteBees implements BeeProtocol {
  readonly leases: LeaseBook;
  private readonly waiters = new ClaimWaiters();
  private readonly claiming: Claiming;
  private readonly calls: LeaseCalls;
  private readonly heartbeats: Heartbeats;
  private readonly onAppended = (events: LedgerEvent[]) => this.wakeFor(events);
  private sweeper: NodeJS.Timeout | null = null;
  /** Bees with a claim waiting right now (how many each): an open long-poll is a bee alive. */
  private readonly waitingBees = new Map<string, number>();

  constructor(
    private readonly parts: HiveParts,
    activity: TaskActivity,
    options: RemoteBeesOptions,
  ) {
    this.leases = new LeaseBook(options.leaseMs, () => parts.now());
    this.claiming = new Claiming(parts, activity, this.leases, this.waiters);
    this.calls = new LeaseCalls(parts, activity, this.leases, options.responsePublished);
    this.heartbeats = new Heartbeats(parts, options.beeHeard);
  }

  /** Takes up the leases of tasks claimed over HTTP before a restart, and starts the sweep of expired ones. */
  async start(): Promise<void> {
    const { view, paths } = this.parts;
    const held = ['claimed', 'in_progress', 'cancelling', 'blocked'] as const;
    for (const row of held.flatMap((state) => view.inState(state))) {
      if (row.claimed_by === null || row.completed_at !== null) continue;
      const claim = await readClaim(paths.claims, row.task_id);
      if (claim?.raw.via !== 'http' || typeof claim.raw.lease !== 'string' || !row.claimed_by_bee) continue;
      this.leases.grant({
        taskId: row.task_id,
        botId: row.bot_id,
        bee: row.claimed_by_bee,
        attempt: row.attempt,
        tokenHash: claim.raw.lease,
      });
    }
    this.parts.ledger.events.on('appended', this.onAppended);
    const every = Math.max(100, Math.min(1000, this.leases.durationMs / 4));
    this.sweeper = setInterval(
      () => void this.calls.sweep().catch((err: unknown) => log.error('lease sweep failed', err)),
      every,
    );
    this.sweeper.unref();
  }

  close(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.parts.ledger.events.off('appended', this.onAppended);
    this.claiming.close();
  }

  /** How many claims are waiting for a task right now. */
  get waitingClaims(): number {
    return this.waiters.size;
  }

  heartbeat(bee: string, input: HeartbeatInput, scope: BeeScope): Promise<HeartbeatReply> {
    return this.heartbeats.beat(bee, input, scope);
  }

  async claim(bee: string, input: ClaimInput, scope: BeeScope, signal?: AbortSignal): Promise<Claimed | null> {
    requireBots(scope, input.bots, 'claim tasks');
    await this.heartbeats.claiming(bee, input.bots);
    this.waitingBees.set(bee, (this.waitingBees.get(bee) ?? 0) + 1);
    try {
      const claimed = await this.claiming.claim(bee, input.bots, input.wait_seconds * 1000, signal);
      // The bee hung up as the task was handed to it: nobody will ever see this lease, so give it back now.
      if (claimed && signal?.aborted) {
        await this.calls.release(claimed.task_id, claimed.lease_token, null).catch(() => undefined);
        return null;
      }
      return claimed;
    } finally {
      const left = this.waitingBees.get(bee)! - 1;
      if (left > 0) this.waitingBees.set(bee, left);
      else this.waitingBees.delete(bee);
    }
  }

  /**
   * Bees waiting on a claim are alive (their request is open): an idle bee needs no
   * heartbeats of its own between long-polls. Called whenever bees are judged.
   */
  async keepWaitingBeesLive(): Promise<void> {
    for (const bee of this.waitingBees.keys()) await this.heartbeats.stillWaiting(bee);
  }

  renew(taskId: string, token: string, scope: BeeScope): Promise<LeaseActionResult> {
    return this.calls.renew(taskId, token, scope);
  }

  setStatus(taskId: string, token: string, status: string, scope: BeeScope): Promise<LeaseActionResult> {
    return this.calls.setStatus(taskId, token, status, scope);
  }

  respond(taskId: string, input: ResponseInput, scope: BeeScope): Promise<LeaseActionResult> {
    return this.calls.respond(taskId, input, scope);
  }

  release(taskId: string, token: string, scope: BeeScope): Promise<LeaseActionResult> {
    return this.calls.release(taskId, token, scope);
  }

  /** A task that starts waiting wakes the bee that has waited longest for its bot. */
  private wakeFor(events: LedgerEvent[]): void {
    const ids = events.filter((e) => e.task_id && WAITING_AGAIN.has(e.event_type)).map((e) => e.task_id!);
    if (ids.length === 0 || this.waiters.size === 0) return;
    // After the commit's own continuation (which indexes the dispatched files) has run.
    setImmediate(() => {
      for (const taskId of ids) {
        const row = this.parts.view.get(taskId);
        if (row?.state === 'waiting') this.waiters.wakeOne(row.bot_id);
      }
    });
  }
}
