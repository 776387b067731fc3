/**
 * The bee protocol over HTTP (DESIGN §8) in Postgres mode, where every bee is an HTTP bee
 * and may talk to any server. Claims take the oldest waiting task with FOR UPDATE SKIP
 * LOCKED, so bees on different servers never get the same task and never queue behind
 * each other's locks. A claim with nothing to take waits, and is woken when this server's
 * mirror sees a task start waiting for its bot, whichever server recorded it.
 */
import { BEE_LIVE_SECONDS } from '../../contracts/bee';
import type {
  Claimed,
  ClaimInput,
  HeartbeatInput,
  HeartbeatReply,
  LeaseActionResult,
  ResponseInput,
} from '../../contracts/bee-protocol';
import type { LedgerEvent } from '../../contracts/ledger';
import type { CoreParts } from '../../core/hive-parts';
import { log } from '../../core/log';
import type { BeeProtocol } from '../../core/remote/bee-protocol';
import { requireBots, type BeeScope } from '../../core/remote/bee-scope';
import { ClaimWaiters, WAITING_AGAIN } from '../../core/remote/claim-waiters';
import { newLeaseToken } from '../../core/remote/leases';
import type { PgDb } from './pg-db';
import { PgLeaseCalls } from './pg-lease-calls';
import type { PgPresence } from './pg-presence';
import { TASK_COLUMNS, taskAsNow, type TaskColumns } from './pg-task-store';

/** A waiting claim looks again this often even unwoken: a wake can fall between its look and its wait. */
const CLAIM_BACKSTOP_MS = 2000;

export class PgBees implements BeeProtocol {
  private readonly waiters = new ClaimWaiters();
  private readonly calls: PgLeaseCalls;
  private readonly onAppended = (events: LedgerEvent[]) => this.wakeFor(events);
  private reaper: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly db: PgDb,
    private readonly parts: CoreParts,
    private readonly presence: PgPresence,
    private readonly leaseMs: number,
  ) {
    this.calls = new PgLeaseCalls(db, parts, leaseMs);
  }

  /** Any server reaps leases that ran out: no leader, and each is released exactly once. */
  start(): void {
    this.parts.ledger.events.on('appended', this.onAppended);
    const every = Math.max(100, Math.min(1000, this.leaseMs / 4));
    this.reaper = setInterval(
      () => void this.calls.reap().catch((err: unknown) => log.error('lease sweep failed', err)),
      every,
    );
    this.reaper.unref();
  }

  close(): void {
    this.closed = true;
    if (this.reaper) clearInterval(this.reaper);
    this.parts.ledger.events.off('appended', this.onAppended);
    this.waiters.wakeAll();
  }

  get waitingClaims(): number {
    return this.waiters.size;
  }

  /** The sweep of expired leases, once, now (tests and the bench call it to avoid waiting a tick). */
  reap(): Promise<number> {
    return this.calls.reap();
  }

  async heartbeat(bee: string, input: HeartbeatInput, scope: BeeScope): Promise<HeartbeatReply> {
    requireBots(scope, input.bots, 'send heartbeats');
    await this.presence.heard(bee, input.bots, input.current_task ?? null, input);
    const rows = await this.db.read<{ task_id: string }>(
      "SELECT task_id FROM tasks WHERE state = 'cancelling' AND bee = $1 ORDER BY seq",
      [bee],
    );
    return { cancel: rows.map((r) => r.task_id), live_seconds: BEE_LIVE_SECONDS };
  }

  async claim(bee: string, input: ClaimInput, scope: BeeScope, signal?: AbortSignal): Promise<Claimed | null> {
    requireBots(scope, input.bots, 'claim tasks');
    await this.presence.claiming(bee, input.bots);
    const done = this.presence.waiting(bee);
    try {
      const deadline = Date.now() + input.wait_seconds * 1000;
      for (;;) {
        const claimed = await this.tryClaim(bee, input.bots);
        if (claimed) {
          // The bee hung up as the task was handed to it: nobody will see this lease, so give it back now.
          if (signal?.aborted) {
            await this.calls.release(claimed.task_id, claimed.lease_token, null).catch(() => undefined);
            return null;
          }
          return claimed;
        }
        const left = deadline - Date.now();
        if (left <= 0 || signal?.aborted || this.closed) return null;
        await this.waiters.wait(input.bots, Math.min(left, CLAIM_BACKSTOP_MS), signal);
      }
    } finally {
      done();
    }
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

  /** The oldest waiting task of these bots, claimed for `bee` with a fresh lease; null when none is free. */
  private async tryClaim(bee: string, bots: readonly string[]): Promise<Claimed | null> {
    const { token, tokenHash } = newLeaseToken();
    const claimed = await this.db.write(async (tx, record) => {
      const { rows } = await tx.query<{ task_id: string; attempt: number } & TaskColumns>(
        `SELECT task_id, attempt, ${TASK_COLUMNS} FROM tasks WHERE state = 'waiting' AND bot_id = ANY($1)
         ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED`,
        [bots],
      );
      const row = rows[0];
      if (!row) return null;
      const attempt = row.attempt + 1;
      const updated = await tx.query<{ lease_expires_at: Date; claimed_at: Date }>(
        `UPDATE tasks SET state = 'claimed', attempt = $2, bee = $3, lease_hash = $4, answer_hash = NULL,
           lease_expires_at = now() + make_interval(secs => $5)
         WHERE task_id = $1 RETURNING lease_expires_at, now() AS claimed_at`,
        [row.task_id, attempt, bee, tokenHash, this.leaseMs / 1000],
      );
      const { lease_expires_at, claimed_at } = updated.rows[0]!;
      await record([
        {
          event_type: 'task_claimed',
          task_id: row.task_id,
          actor: row.bot_id,
          data: { bot_id: row.bot_id, bee, via: 'http', attempt, claimed_at: claimed_at.toISOString() },
        },
      ]);
      return {
        botId: row.bot_id,
        claimed: {
          task_id: row.task_id,
          attempt,
          lease_token: token,
          lease_expires_at: lease_expires_at.toISOString(),
          task: taskAsNow(row),
        } satisfies Claimed,
      };
    });
    if (!claimed) return null;
    // More may be waiting: another bee may take the next one now rather than at its timeout.
    if (this.parts.view.waitingFor(claimed.botId, 1).length) this.waiters.wakeOne(claimed.botId);
    return claimed.claimed;
  }

  /** A task that starts waiting wakes the bee that has waited longest for its bot. */
  private wakeFor(events: LedgerEvent[]): void {
    if (this.waiters.size === 0) return;
    for (const event of events) {
      if (!event.task_id || !WAITING_AGAIN.has(event.event_type)) continue;
      const row = this.parts.view.get(event.task_id);
      if (row?.state === 'waiting') this.waiters.wakeOne(row.bot_id);
    }
  }
}
