/**
 * One task claimed over HTTP and mirrored into the local hive, from its claim to its end.
 * While a local file bee works on it, the bridge keeps its lease renewed and passes on what
 * the bee does: each status rewrite (`in_progress`, `blocked`, `cancelled`, `active` when a
 * bee gives it back), and the response once the file has settled. A cancel from the server
 * becomes a local cancel file; a lease that is lost takes the local copy away.
 */
import { lstat, readFile } from 'node:fs/promises';
import { BEE_STATUSES, type Claimed } from '../../server/contracts/bee-protocol';
import type { FileSettling } from '../../server/core/file-settling';
import { readTaskFile } from '../../server/core/task-files';
import { claimTask } from '../bee/claim';
import { deliverAnswer } from '../bee/deliver';
import { HttpError, LeaseLostError, ProtocolError, type HiveClient } from '../bee/hive-client';
import { LeaseKeeper } from '../bee/lease-keeper';
import { setTaskStatus } from '../bee/task-status';
import type { LocalHive } from './local-hive';

export type MirrorOutcome = 'answered' | 'failed' | 'cancelled' | 'released' | 'lost';

export interface MirrorContext {
  client: HiveClient;
  local: LocalHive;
  /** Responses written in place count once settled, as on the server (server/core/file-settling.ts). */
  settling: FileSettling;
  /** Aborted when the bridge stops at once: calls still retrying give up. */
  hardStop: AbortSignal;
  log(line: string): void;
  /** What retrying cannot fix (a refused token, a reply outside the contract): the bridge stops. */
  fail(err: unknown): void;
}

/** Giving a task back on the way out may take this long; an unreachable server takes it back when the lease runs out. */
const RELEASE_TIMEOUT_MS = 5000;

const isBeeStatus = (status: string) => (BEE_STATUSES as readonly string[]).includes(status);

export class Mirror {
  readonly taskId: string;
  /** Resolves with how the task ended here, once its local copy is tidied away. */
  readonly done: Promise<MirrorOutcome>;
  private settle!: (outcome: MirrorOutcome) => void;
  private started: Promise<void> | null = null;
  private fileName: string | null = null;
  /** The status the server was last told (or gave). */
  private forwarded: string;
  private readonly keeper: LeaseKeeper;
  private checking: Promise<void> | null = null;
  private again = false;
  private cancelAsked = false;
  private ended = false;

  constructor(
    private readonly ctx: MirrorContext,
    private readonly claimed: Claimed,
  ) {
    this.taskId = claimed.task_id;
    this.forwarded = claimed.task.status;
    this.keeper = new LeaseKeeper(ctx.client, this.taskId, claimed.lease_token, (err) =>
      err instanceof LeaseLostError ? void this.lost(err) : ctx.fail(err),
    );
    this.done = new Promise((resolve) => (this.settle = resolve));
  }

  start(): Promise<void> {
    return (this.started ??= this.publish());
  }

  /** Something about the task's local files may have changed: look (one look at a time, again if poked meanwhile). */
  poke(): void {
    if (this.ended) return;
    this.again = true;
    this.checking ??= this.drain().finally(() => (this.checking = null));
  }

  /** The server cancelled the task: a local bee working on it stops and acknowledges, or the bridge does. */
  async cancel(): Promise<void> {
    // Still being published: the server lists the cancel again with the next heartbeat.
    if (this.cancelAsked || this.ended || !this.fileName) return;
    this.cancelAsked = true;
    const { local } = this.ctx;
    this.ctx.log(`cancel requested for ${this.taskId}: asking the local bee to stop`);
    try {
      await local.requestCancel(this.taskId, 'cancelled on the server');
      // No local bee holds it: the bridge takes the claim, so none starts it, and acknowledges itself.
      if ((await claimTask(local.paths.claims, this.taskId, local.botId, local.name)) !== 'taken')
        await setTaskStatus(local.taskPath(this.fileName), local.paths.tmp, 'cancelled');
    } catch (err) {
      this.cancelAsked = false;
      this.ctx.log(`${this.taskId}: could not pass the cancel on (${(err as Error).message}); trying again`);
    }
    this.poke();
  }

  /** The bridge is stopping: a task no local bee has started goes back to the server; one in hand is finished. */
  async giveBackIfUnstarted(): Promise<void> {
    await this.started;
    if (this.ended || !this.fileName) return;
    const { local } = this.ctx;
    const claim = await claimTask(local.paths.claims, this.taskId, local.botId, local.name).catch((err: Error) => {
      this.ctx.log(`${this.taskId}: could not take its local claim (${err.message}); waiting for it`);
      return 'taken' as const;
    });
    if (claim === 'taken') return;
    this.ctx.log(`stopping: giving ${this.taskId} back unstarted`);
    await this.end('released', { release: true });
  }

  /** The bridge is stopping at once: the local work ends and the task goes back to the server. */
  stopNow(): Promise<void> {
    return this.end('released', { release: true, stopWork: 'the bridge is stopping now' });
  }

  private async publish(): Promise<void> {
    const { task, attempt } = this.claimed;
    try {
      this.fileName = await this.ctx.local.publish(task, new Date());
    } catch (err) {
      this.ctx.log(`could not put ${this.taskId} into the local hive (${(err as Error).message}); giving it back`);
      return this.end('released', { release: true });
    }
    this.keeper.start(this.claimed.lease_expires_at);
    this.ctx.log(`mirrored ${this.taskId} (attempt ${attempt}; ${task.intent}: ${task.title}) as ${this.fileName}`);
    this.poke();
  }

  private async drain(): Promise<void> {
    while (this.again && !this.ended) {
      this.again = false;
      try {
        await this.check();
      } catch (err) {
        await this.failed(err);
      }
    }
  }

  /** A settled response ends the task (the bee rewrote its status before it); otherwise a new status is passed on. */
  private async check(): Promise<void> {
    const { local, client, hardStop } = this.ctx;
    if (!this.fileName) return;
    const lease_token = this.claimed.lease_token;
    const response = await lstat(local.responsePath(this.taskId)).catch(() => null);
    if (response?.isFile()) {
      if (!this.ctx.settling.settled(local.responseName(this.taskId), response)) return;
      const content = await readFile(local.responsePath(this.taskId), 'utf8');
      if (!content) return;
      const read = await readTaskFile(local.taskPath(this.fileName));
      const asked = read.ok && read.task.status === 'blocked' ? 'blocked' : 'completed';
      const { status } = await deliverAnswer(client, this.taskId, { lease_token, content, status: asked }, hardStop);
      this.ctx.log(
        `${status === 'completed' ? 'answered' : 'blocked'} ${this.taskId}: the local response is delivered`,
      );
      return this.end(status === 'completed' ? 'answered' : 'failed');
    }
    const read = await readTaskFile(local.taskPath(this.fileName));
    if (!read.ok) {
      // Unreadable (a rewrite by hand, half done): the next change is looked at.
      if (!read.missing) return;
      this.ctx.log(`${this.taskId}: its local task file is gone; giving the task back`);
      return this.end('released', { release: true });
    }
    const { status } = read.task;
    if (status !== this.forwarded && isBeeStatus(status)) {
      await client.status(this.taskId, lease_token, status as (typeof BEE_STATUSES)[number], hardStop);
      this.forwarded = status;
      this.ctx.log(`${this.taskId}: status ${status}`);
    }
    if (status === 'cancelled') {
      this.ctx.log(`cancelled ${this.taskId}: the local bee stopped; status cancelled, no response`);
      return this.end('cancelled');
    }
  }

  private async failed(err: unknown): Promise<void> {
    if (err instanceof LeaseLostError) return this.lost(err);
    // Stopping at once: stopNow() ends this mirror.
    if (this.ctx.hardStop.aborted) return;
    if (err instanceof HttpError || err instanceof ProtocolError) return this.ctx.fail(err);
    // The local disk (full, read-only): said, and looked at again on the next re-scan.
    this.ctx.log(`${this.taskId}: ${(err as Error).message}; looking again later`);
  }

  private lost(err: LeaseLostError): Promise<void> {
    this.ctx.log(`lost the lease on ${this.taskId}: ${err.message}; withdrawing the local copy`);
    return this.end('lost', { stopWork: 'the bridge lost its lease on the server' });
  }

  private async end(outcome: MirrorOutcome, how: { release?: boolean; stopWork?: string } = {}): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    const { local } = this.ctx;
    await this.keeper.stop();
    try {
      if (this.fileName && (outcome === 'released' || outcome === 'lost'))
        await local.withdraw(this.taskId, this.fileName, how.stopWork ?? null);
      else if (this.fileName) await local.archive(this.taskId, this.fileName);
    } catch (err) {
      this.ctx.log(`${this.taskId}: could not tidy its local copy away (${(err as Error).message})`);
    }
    // Withdrawn locally first, so no local bee is still starting it when the server hands it to another bee.
    if (how.release) await this.giveBack();
    this.ctx.settling.forget(local.responseName(this.taskId));
    this.settle(outcome);
  }

  private async giveBack(): Promise<void> {
    try {
      const signal = AbortSignal.timeout(RELEASE_TIMEOUT_MS);
      await this.ctx.client.release(this.taskId, this.claimed.lease_token, signal);
      this.ctx.log(`released ${this.taskId}: the server gives it to the next claim`);
    } catch (err) {
      this.ctx.log(
        `could not give ${this.taskId} back (${(err as Error).message}); its lease runs out and the server takes it back`,
      );
    }
  }
}
