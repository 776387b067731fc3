/**
 * A bridge on a worker machine: it claims one bot's tasks from a server over HTTP (DESIGN §8),
 * up to `slots` at a time, and mirrors each into a local hive, where unmodified file bees
 * work on it as if the server were local. It watches the local inbox and responses/ for
 * what they do (file events, and a re-scan for file systems that lose them), heartbeats as
 * one bee, and turns the cancels in the heartbeat's reply into local cancel files.
 */
import { watch, type FSWatcher } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Claimed } from '../../server/contracts/bee-protocol';
import { FileSettling } from '../../server/core/file-settling';
import { hivePaths } from '../../server/core/hive-paths';
import { parseTaskFileName } from '../../server/core/task-files';
import { describeFailure, type HiveClient } from '../bee/hive-client';
import { RemoteHeartbeat } from '../bee/remote-heartbeat';
import { LocalHive } from './local-hive';
import { Mirror, type MirrorOutcome } from './mirror';

export interface BridgeOptions {
  client: HiveClient;
  /** The local HIVE_ROOT the file bees serve. */
  root: string;
  botId: string;
  /** The bridge's name on the server (its presence, its leases) and in the local claims it takes. */
  name: string;
  /** How many tasks may be mirrored at once. */
  slots: number;
  heartbeatMs?: number;
  /** How often every mirrored task is looked at again, whatever the file events said. */
  rescanMs?: number;
  claimWaitSeconds?: number;
  log?(line: string): void;
}

/** As long as the server waits before a response written in place counts (HIVE_RESPONSE_QUIET_MS). */
const RESPONSE_QUIET_MS = 100;

export class Bridge {
  readonly counts: Record<MirrorOutcome, number> = { answered: 0, failed: 0, cancelled: 0, released: 0, lost: 0 };
  /** Why the bridge stopped by itself, if it did. */
  failure: Error | null = null;
  readonly local: LocalHive;
  private readonly mirrors = new Map<string, Mirror>();
  private readonly heartbeat: RemoteHeartbeat;
  private readonly settling = new FileSettling(RESPONSE_QUIET_MS, (name) => this.pokeResponse(name));
  private readonly claiming = new AbortController();
  private readonly hardStop = new AbortController();
  private watchers: FSWatcher[] = [];
  private rescan: NodeJS.Timeout | null = null;
  private loop: Promise<void> | null = null;
  private slotFreed: (() => void) | null = null;
  private stopped = false;
  private stopping: Promise<void> | null = null;
  /** A claim that waits on the server is open: the server counts the bridge live meanwhile. */
  private longPolling = false;

  constructor(private readonly options: BridgeOptions) {
    this.local = new LocalHive(hivePaths(options.root), options.botId, options.name);
    this.heartbeat = new RemoteHeartbeat({
      client: options.client,
      bee: options.name,
      bots: [options.botId],
      everyMs: options.heartbeatMs,
      onReply: (reply) => {
        for (const taskId of reply.cancel) void this.mirrors.get(taskId)?.cancel();
      },
      needed: () => this.mirrors.size > 0 || !this.longPolling,
      onFailure: (err) => this.fail(err),
    });
  }

  /** The oldest task mirrored now, if any. */
  get taskInHand(): string | null {
    return this.mirrors.keys().next().value ?? null;
  }

  async start(): Promise<void> {
    const { paths } = this.local;
    for (const dir of [this.local.inbox, paths.responses, paths.claims, paths.cancels, paths.archive, paths.tmp])
      await mkdir(dir, { recursive: true });
    this.watchers = [
      this.watch(this.local.inbox, (name) => this.mirrorOf(parseTaskFileName(name)?.taskId)?.poke()),
      this.watch(paths.responses, (name) => this.pokeResponse(name)),
    ];
    this.rescan = setInterval(() => {
      for (const mirror of this.mirrors.values()) {
        mirror.poke();
        // Stopping: a task a local bee gave back meanwhile (it stopped too) goes back to the server.
        if (this.stopped) void mirror.giveBackIfUnstarted();
      }
    }, this.options.rescanMs ?? 1000);
    this.heartbeat.start();
    this.loop = this.run();
    this.log(`${this.options.name} bridging ${this.options.client.url} to ${this.local.inbox}`);
  }

  /** Stops claiming; tasks no local bee has started go back to the server, the others are finished; then the heartbeat stops. */
  stop(): Promise<void> {
    return (this.stopping ??= this.shutdown());
  }

  /** Ends the local work on every mirrored task and gives the tasks back, then as stop(). */
  async stopNow(): Promise<void> {
    this.stopped = true;
    this.hardStop.abort(new Error('the bridge is stopping now'));
    this.claiming.abort(new Error('the bridge is stopping now'));
    await Promise.all([...this.mirrors.values()].map((mirror) => mirror.stopNow()));
    return this.stop();
  }

  /** Resolves when the bridge claims no more: after a stop, or a failure. */
  async drained(): Promise<void> {
    await this.loop;
  }

  private async shutdown(): Promise<void> {
    this.stopped = true;
    this.claiming.abort(new Error('the bridge is stopping'));
    this.slotFreed?.();
    await this.loop;
    await Promise.all([...this.mirrors.values()].map((mirror) => mirror.giveBackIfUnstarted()));
    await Promise.all([...this.mirrors.values()].map((mirror) => mirror.done));
    for (const watcher of this.watchers) watcher.close();
    if (this.rescan) clearInterval(this.rescan);
    this.settling.close();
    await this.heartbeat.stop();
  }

  private async run(): Promise<void> {
    const { client, name, botId, slots } = this.options;
    while (!this.stopped) {
      if (this.mirrors.size >= slots) {
        await new Promise<void>((resolve) => (this.slotFreed = resolve));
        continue;
      }
      let claimed: Claimed | null;
      const wait_seconds = this.options.claimWaitSeconds ?? 25;
      this.longPolling = wait_seconds > 0;
      try {
        claimed = await client.claim(name, { bots: [botId], wait_seconds }, this.claiming.signal);
      } catch (err) {
        if (!this.claiming.signal.aborted) this.fail(err);
        return;
      } finally {
        this.longPolling = false;
      }
      if (claimed) await this.mirror(claimed);
    }
  }

  private async mirror(claimed: Claimed): Promise<void> {
    const mirror = new Mirror(
      {
        client: this.options.client,
        local: this.local,
        settling: this.settling,
        hardStop: this.hardStop.signal,
        log: (line) => this.log(line),
        fail: (err) => this.fail(err),
      },
      claimed,
    );
    this.mirrors.set(mirror.taskId, mirror);
    this.heartbeat.setCurrentTask(this.taskInHand);
    void mirror.done.then((outcome) => {
      this.mirrors.delete(mirror.taskId);
      this.counts[outcome]++;
      this.heartbeat.setCurrentTask(this.taskInHand);
      this.slotFreed?.();
      this.slotFreed = null;
    });
    await mirror.start();
    // Claimed in the moment the bridge began to stop: shutdown() may have looked before it was there.
    if (this.stopped) await mirror.giveBackIfUnstarted();
  }

  private mirrorOf(taskId: string | null | undefined): Mirror | undefined {
    return taskId ? this.mirrors.get(taskId) : undefined;
  }

  private pokeResponse(name: string): void {
    this.mirrorOf(this.local.taskOfResponse(name))?.poke();
  }

  private watch(dir: string, onName: (name: string) => void): FSWatcher {
    const watcher = watch(dir, { persistent: false }, (_type, name) => name && onName(name.toString()));
    watcher.on('error', (err) =>
      this.log(`watch error on ${path.basename(dir)}/: ${err.message}; relying on the re-scan`),
    );
    return watcher;
  }

  /** What retrying cannot fix stops the bridge at once: the local work ends and the tasks go back if they can. */
  private fail(err: unknown): void {
    if (this.failure) return;
    this.failure = new Error(describeFailure(err));
    this.log(`stopping: ${this.failure.message}`);
    void this.stopNow();
  }

  private log(line: string): void {
    this.options.log?.(`[bridge ${this.options.botId}] ${line}`);
  }
}
