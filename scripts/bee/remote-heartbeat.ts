/**
 * The presence of a bee over HTTP (DESIGN §6, §8): a heartbeat every few seconds (unless an
 * open long-poll already says the bee is alive) and at once when the task in hand changes. The server writes the presence file for it, and its reply
 * carries the cancels of the tasks this bee holds, since the bee cannot watch `cancels/`.
 * One heartbeat is in flight at a time; a change meanwhile is sent right after it.
 */
import os from 'node:os';
import type { HeartbeatReply } from '../../server/contracts/bee-protocol';
import type { HiveClient } from './hive-client';
import { HEARTBEAT_MS } from './presence';

export interface RemoteHeartbeatOptions {
  client: HiveClient;
  bee: string;
  bots: string[];
  everyMs?: number;
  /**
   * Whether the periodic beat is needed now. An idle bee whose long-poll claim is open is
   * kept live by the server itself, and a heartbeat costs it a request; changes of the task
   * in hand are always sent.
   */
  needed?(): boolean;
  onReply(reply: HeartbeatReply): void;
  /** What retrying cannot fix (a refused token, a name a file bee uses): the owner stops. */
  onFailure(err: unknown): void;
}

export class RemoteHeartbeat {
  private currentTask: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private sending: Promise<void> | null = null;
  private due = false;
  private readonly stopped = new AbortController();

  constructor(private readonly options: RemoteHeartbeatOptions) {}

  start(): void {
    this.timer = setInterval(() => {
      if (this.options.needed?.() !== false) this.beat();
    }, this.options.everyMs ?? HEARTBEAT_MS);
    this.beat();
  }

  setCurrentTask(taskId: string | null): void {
    if (this.currentTask === taskId) return;
    this.currentTask = taskId;
    this.beat();
  }

  /** No more heartbeats; one in flight is abandoned (the server then sees the bee go quiet). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.stopped.abort(new Error('the bee stopped'));
    await this.sending;
  }

  private beat(): void {
    if (this.stopped.signal.aborted) return;
    this.due = true;
    this.sending ??= this.drain().finally(() => (this.sending = null));
  }

  private async drain(): Promise<void> {
    const { client, bee, bots } = this.options;
    while (this.due && !this.stopped.signal.aborted) {
      this.due = false;
      const body = { bots, current_task: this.currentTask, host: os.hostname(), pid: process.pid };
      try {
        this.options.onReply(await client.heartbeat(bee, body, this.stopped.signal));
      } catch (err) {
        if (this.stopped.signal.aborted) return;
        this.options.onFailure(err);
        return;
      }
    }
  }
}
