/**
 * Leases of tasks claimed over HTTP (DESIGN §8). A lease is the fence of one attempt: its
 * token is handed to the bee once and kept here (and in the claim file) only as a hash, so
 * neither the ledger nor a look at `claims/` gives a working token away. A lease not renewed
 * in time runs out, and a call that brings an outdated token changes nothing.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export interface Lease {
  taskId: string;
  botId: string;
  bee: string;
  attempt: number;
  /** sha256 of the token, hex (also in the claim file, so a restarted server knows it). */
  tokenHash: string;
  expiresAt: number;
  /** Set once the attempt answered: the same answer again is acknowledged, another one refused. */
  answer: { contentHash: string; responsePath: string; answeredAt: number } | null;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function newLeaseToken(): { token: string; tokenHash: string } {
  const token = randomBytes(24).toString('base64url');
  return { token, tokenHash: hashToken(token) };
}

export class LeaseBook {
  private readonly leases = new Map<string, Lease>();

  constructor(
    private readonly leaseMs: number,
    private readonly now: () => number,
  ) {}

  get durationMs(): number {
    return this.leaseMs;
  }

  /** A new lease on a task this process just claimed for a bee (or found claimed at start-up). */
  grant(lease: Omit<Lease, 'expiresAt' | 'answer'>): Lease {
    const granted: Lease = { ...lease, expiresAt: this.now() + this.leaseMs, answer: null };
    this.leases.set(lease.taskId, granted);
    return granted;
  }

  /** The task's lease if `token` is its token (constant-time), whether or not it has run out. */
  holding(taskId: string, token: string): Lease | null {
    const lease = this.leases.get(taskId);
    if (!lease) return null;
    const same = timingSafeEqual(Buffer.from(lease.tokenHash, 'hex'), Buffer.from(hashToken(token), 'hex'));
    return same ? lease : null;
  }

  isExpired(lease: Lease): boolean {
    return lease.answer === null && this.now() >= lease.expiresAt;
  }

  renew(lease: Lease): Lease {
    lease.expiresAt = this.now() + this.leaseMs;
    return lease;
  }

  get(taskId: string): Lease | undefined {
    return this.leases.get(taskId);
  }

  drop(taskId: string): void {
    this.leases.delete(taskId);
  }

  /** Leases that ran out with no answer, for the sweep that releases their claims. */
  expired(): Lease[] {
    return [...this.leases.values()].filter((lease) => this.isExpired(lease));
  }

  all(): Lease[] {
    return [...this.leases.values()];
  }
}
