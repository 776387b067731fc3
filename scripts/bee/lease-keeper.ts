/**
 * Keeps one lease alive while its task is worked on (DESIGN §8). Each renewal is due a third
 * of the way to the expiry the server last gave, so two renewals can fail before the lease
 * runs out, whatever lease length the server uses. A renewal the server refuses (409) means
 * the attempt is over: the owner stops the work and must not answer.
 */
import { RENEW_EVERY_SECONDS } from '../../server/contracts/bee-protocol';
import type { HiveClient } from './hive-client';

/** Never closer together than this, whatever the clocks say. */
const MIN_RENEW_MS = 100;

export class LeaseKeeper {
  private timer: NodeJS.Timeout | null = null;
  private readonly stopped = new AbortController();
  private renewing: Promise<void> | null = null;

  constructor(
    private readonly client: HiveClient,
    private readonly taskId: string,
    private readonly leaseToken: string,
    /** A LeaseLostError when the lease is gone; anything else retrying cannot fix. */
    private readonly onFailure: (err: unknown) => void,
  ) {}

  /** Starts renewing, given the expiry the claim granted. */
  start(leaseExpiresAt: string): void {
    this.schedule(leaseExpiresAt);
  }

  /** No more renewals; one in flight is abandoned (its outcome no longer matters). */
  async stop(): Promise<void> {
    this.stopped.abort(new Error('the lease is no longer kept'));
    if (this.timer) clearTimeout(this.timer);
    await this.renewing;
  }

  private schedule(leaseExpiresAt: string | undefined): void {
    if (this.stopped.signal.aborted) return;
    const remaining = leaseExpiresAt ? Date.parse(leaseExpiresAt) - this.client.serverNow() : NaN;
    const delay = Number.isFinite(remaining)
      ? Math.min(Math.max(remaining / 3, MIN_RENEW_MS), RENEW_EVERY_SECONDS * 1000)
      : RENEW_EVERY_SECONDS * 1000;
    this.timer = setTimeout(() => {
      this.renewing = this.renew().finally(() => (this.renewing = null));
    }, delay);
  }

  private async renew(): Promise<void> {
    try {
      const result = await this.client.renew(this.taskId, this.leaseToken, this.stopped.signal);
      this.schedule(result.lease_expires_at);
    } catch (err) {
      if (!this.stopped.signal.aborted) this.onFailure(err);
    }
  }
}
