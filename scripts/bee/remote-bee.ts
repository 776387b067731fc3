/**
 * A bee that works for a server over HTTP (DESIGN §8), with no shared disk: it touches no
 * local hive. It long-polls for a claim, marks the task `in_progress`, keeps the lease
 * renewed while the handler runs, and sends the response back (`blocked` with the reason
 * when the handler failed). Beside the work: a heartbeat whose reply carries cancels (the
 * work stops, acknowledged as status `cancelled`, no response), a renewal refused with 409
 * (the attempt is over: the work stops and nothing is answered), and the same two-step stop
 * as the file bee (finish the task in hand; or end it and give the task back).
 */
import type { Claimed } from '../../server/contracts/bee-protocol';
import type { TaskFile } from '../../server/contracts/task';
import { answerOf, deliverAnswer } from './deliver';
import type { Handler, HandlerResult } from './handlers';
import { describeFailure, LeaseLostError, type HiveClient } from './hive-client';
import { LeaseKeeper } from './lease-keeper';
import { RemoteHeartbeat } from './remote-heartbeat';

export interface RemoteBeeOptions {
  client: HiveClient;
  botId: string;
  /** This bee's name on the server (its presence, its leases); by default the bot id. */
  name: string;
  handlerFor(task: TaskFile): Handler;
  /** Claim without waiting, and end once a claim comes back empty. */
  once?: boolean;
  heartbeatMs?: number;
  /** How long one claim waits on the server for a task (default 25 s, under the server's 30 s limit). */
  claimWaitSeconds?: number;
  log?(line: string): void;
}

export type RemoteOutcome = 'answered' | 'failed' | 'cancelled' | 'released' | 'lost';

/** How long giving a task back may take when the bee stops at once: an unreachable server gets its lease back by expiry. */
const RELEASE_TIMEOUT_MS = 5000;

interface InHand {
  taskId: string;
  leaseToken: string;
  controller: AbortController;
  why: 'cancel' | 'stop' | 'lost' | 'failure' | null;
}

export class RemoteBee {
  readonly counts: Record<RemoteOutcome, number> = { answered: 0, failed: 0, cancelled: 0, released: 0, lost: 0 };
  /** Why the bee stopped by itself (a refused token, a reply outside the contract), if it did. */
  failure: Error | null = null;
  private readonly heartbeat: RemoteHeartbeat;
  /** Aborted by the first stop: no more claims, the long poll included. */
  private readonly claiming = new AbortController();
  /** Aborted by a stop at once (or a failure): deliveries still retrying give up. */
  private readonly hardStop = new AbortController();
  private inHand: InHand | null = null;
  private loop: Promise<void> | null = null;
  private stopped = false;
  private stopping: Promise<void> | null = null;
  /** A claim that waits on the server is open: the server counts the bee live meanwhile. */
  private longPolling = false;

  constructor(private readonly options: RemoteBeeOptions) {
    this.heartbeat = new RemoteHeartbeat({
      client: options.client,
      bee: options.name,
      bots: [options.botId],
      everyMs: options.heartbeatMs,
      onReply: (reply) => {
        const id = this.inHand?.taskId;
        if (id && reply.cancel.includes(id)) this.abortInHand('cancel', `cancel requested for ${id}: ending its work`);
      },
      needed: () => this.inHand !== null || !this.longPolling,
      onFailure: (err) => this.fail(err),
    });
  }

  get taskInHand(): string | null {
    return this.inHand?.taskId ?? null;
  }

  /** Starts heartbeats and claims; never waits for the server, which may not be up yet. */
  start(): Promise<void> {
    this.heartbeat.start();
    this.loop = this.run();
    this.log(`${this.options.name} working for ${this.options.client.urls.join(', ')} over HTTP`);
    return Promise.resolve();
  }

  /** Stops claiming, waits for the task in hand (cancels still count), then stops the heartbeat. */
  stop(): Promise<void> {
    return (this.stopping ??= this.shutdown());
  }

  /** Ends the work in hand (its whole process group) and gives its task back, then as stop(). */
  stopNow(): Promise<void> {
    this.stopped = true;
    this.abortInHand('stop', `stopping now: ending the work on ${this.taskInHand} to give it back`);
    this.hardStop.abort(new Error('the bee is stopping now'));
    return this.stop();
  }

  /** Resolves when the bee claims no more: with `once`, when a claim came back empty; else after a stop or a failure. */
  async drained(): Promise<void> {
    await this.loop;
  }

  private async shutdown(): Promise<void> {
    this.stopped = true;
    this.claiming.abort(new Error('the bee is stopping'));
    await this.loop;
    await this.heartbeat.stop();
  }

  private async run(): Promise<void> {
    const { client, name, botId, once } = this.options;
    const wait = once ? 0 : (this.options.claimWaitSeconds ?? 25);
    while (!this.stopped) {
      let claimed: Claimed | null;
      this.longPolling = wait > 0;
      try {
        claimed = await client.claim(name, { bots: [botId], wait_seconds: wait }, this.claiming.signal);
      } catch (err) {
        if (!this.claiming.signal.aborted) this.fail(err);
        return;
      } finally {
        this.longPolling = false;
      }
      if (!claimed) {
        if (once) return;
        continue;
      }
      const outcome = await this.handle(claimed);
      if (outcome) this.counts[outcome]++;
    }
  }

  private async handle(claimed: Claimed): Promise<RemoteOutcome | null> {
    const { task_id: taskId, lease_token: leaseToken } = claimed;
    const hand: InHand = { taskId, leaseToken, controller: new AbortController(), why: null };
    this.inHand = hand;
    this.heartbeat.setCurrentTask(taskId);
    const keeper = new LeaseKeeper(this.options.client, taskId, leaseToken, (err) => this.leaseFailed(hand, err));
    keeper.start(claimed.lease_expires_at);
    // A task that came in the moment the bee began to stop is not started: it goes back.
    if (this.stopped) this.abortInHand('stop', `stopping: giving ${taskId} back unstarted`);
    try {
      const result = await this.work(hand, claimed);
      if (!result) return await this.endStopped(hand);
      const { content, status: asked, reason } = answerOf(taskId, result);
      const input = { lease_token: leaseToken, content, status: asked };
      const { status } = await deliverAnswer(this.options.client, taskId, input, this.hardStop.signal);
      const why = status === asked ? reason : 'the answer was too large to send';
      this.log(status === 'completed' ? `answered ${taskId}` : `blocked ${taskId}: ${why}`);
      return status === 'completed' ? 'answered' : 'failed';
    } catch (err) {
      return await this.endFailed(hand, err);
    } finally {
      await keeper.stop();
      this.inHand = null;
      this.heartbeat.setCurrentTask(null);
    }
  }

  /** The handler's result, or null when the work was asked to stop (its result, if any, is discarded). */
  private async work(hand: InHand, { task, attempt }: Claimed): Promise<HandlerResult | null> {
    const { signal } = hand.controller;
    if (signal.aborted) return null;
    await this.options.client.status(hand.taskId, hand.leaseToken, 'in_progress', this.hardStop.signal);
    if (signal.aborted) return null;
    this.log(`claimed ${hand.taskId} (attempt ${attempt}; ${task.intent}: ${task.title})`);
    try {
      const result = await this.options.handlerFor(task)(task, signal);
      return signal.aborted ? null : result;
    } catch (err) {
      if (signal.aborted) return null;
      const reason = `threw ${(err as Error).message}`;
      return { ok: false, reason, markdown: `# Task ${hand.taskId} failed\n\nThe handler ${reason}.\n` };
    }
  }

  /** The work of `hand` stopped before an answer: acknowledge a cancel, or give the task back. */
  private async endStopped(hand: InHand): Promise<RemoteOutcome | null> {
    if (hand.why === 'lost') return 'lost';
    if (hand.why !== 'cancel') return hand.why === 'stop' ? this.giveBack(hand) : null;
    try {
      await this.options.client.status(hand.taskId, hand.leaseToken, 'cancelled', this.hardStop.signal);
    } catch (err) {
      return this.endFailed(hand, err);
    }
    this.log(`cancelled ${hand.taskId}: its work is stopped; status cancelled, no response`);
    return 'cancelled';
  }

  private async endFailed(hand: InHand, err: unknown): Promise<RemoteOutcome | null> {
    if (err instanceof LeaseLostError) {
      this.log(`lost the lease on ${hand.taskId}: ${err.message}`);
      return 'lost';
    }
    if (!this.hardStop.signal.aborted) {
      this.fail(err);
      return null;
    }
    if (hand.why === 'stop') return this.giveBack(hand);
    if (this.failure) return null;
    this.log(`${hand.taskId} was not acknowledged before the stop; its lease runs out and the server takes it back`);
    return null;
  }

  private async giveBack(hand: InHand): Promise<RemoteOutcome> {
    try {
      await this.options.client.release(hand.taskId, hand.leaseToken, AbortSignal.timeout(RELEASE_TIMEOUT_MS));
      this.log(`released ${hand.taskId}: its work is stopped; the server gives it to the next claim`);
    } catch (err) {
      this.log(
        `could not give ${hand.taskId} back (${describeFailure(err)}); its lease runs out and the server takes it back`,
      );
    }
    return 'released';
  }

  private leaseFailed(hand: InHand, err: unknown): void {
    if (!(err instanceof LeaseLostError)) return this.fail(err);
    this.abortInHand('lost', `lost the lease on ${hand.taskId}: ${err.message}; ending its work, no answer`);
  }

  private abortInHand(why: NonNullable<InHand['why']>, line: string): void {
    const hand = this.inHand;
    if (!hand || hand.controller.signal.aborted) return;
    hand.why = why;
    this.log(line);
    hand.controller.abort(new Error(line));
  }

  /** What retrying cannot fix ends the bee: its work stops, and `failure` says why. */
  private fail(err: unknown): void {
    if (this.failure) return;
    this.failure = new Error(describeFailure(err));
    this.log(`stopping: ${this.failure.message}`);
    this.stopped = true;
    this.abortInHand('failure', 'ending the work in hand');
    this.claiming.abort(this.failure);
    this.hardStop.abort(this.failure);
  }

  private log(line: string): void {
    this.options.log?.(`[${this.options.botId}] ${line}`);
  }
}
