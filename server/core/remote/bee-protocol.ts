/**
 * The bee protocol over HTTP (DESIGN §8) as the transports call it. The embedded hive does
 * the file steps a file bee would (remote-bees.ts); Postgres does them as rows under locks
 * (server/store/pg/pg-bees.ts). Same calls, same answers, same ledger events.
 */
import type {
  Claimed,
  ClaimInput,
  HeartbeatInput,
  HeartbeatReply,
  LeaseActionResult,
  ResponseInput,
} from '../../contracts/bee-protocol';
import type { BeeScope } from './bee-scope';

export interface BeeProtocol {
  heartbeat(bee: string, input: HeartbeatInput, scope: BeeScope): Promise<HeartbeatReply>;
  /** A task for one of the bee's bots with a lease, waiting up to `wait_seconds` for one; null when none came. */
  claim(bee: string, input: ClaimInput, scope: BeeScope, signal?: AbortSignal): Promise<Claimed | null>;
  renew(taskId: string, token: string, scope: BeeScope): Promise<LeaseActionResult>;
  setStatus(taskId: string, token: string, status: string, scope: BeeScope): Promise<LeaseActionResult>;
  respond(taskId: string, input: ResponseInput, scope: BeeScope): Promise<LeaseActionResult>;
  release(taskId: string, token: string, scope: BeeScope): Promise<LeaseActionResult>;
  /** How many claims are waiting for a task right now. */
  readonly waitingClaims: number;
}
