/**
 * A reference bee: watches `tasks/{bot}/` (and picks up what is already there), claims
 * each task exclusively, marks it `in_progress`, runs a handler and publishes the response.
 * A failed handler still answers (saying so) and leaves the task `blocked`. Work that was
 * answered before a restart is never redone: the response's name is fixed per task.
 * Around that: a presence file with a heartbeat (`bees/{name}.json`), cancels (`cancels/{task_id}`
 * ends the work in hand, acknowledged as status `cancelled` with no response), a stop that
 * gives the task in hand back, and a second look at tasks whose claim another bee released.
 */
import { watch, type FSWatcher } from 'node:fs';
import { lstat, mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { CancelRequestSchema } from '../../server/contracts/bee';
import type { TaskFile } from '../../server/contracts/task';
import { publishFile } from '../../server/core/atomic-write';
import { hivePaths, type HivePaths } from '../../server/core/hive-paths';
import { parseTaskFileName, readTaskFile } from '../../server/core/task-files';
import { claimTask, releaseClaim } from './claim';
import type { Handler, HandlerResult } from './handlers';
import { HEARTBEAT_MS, Presence } from './presence';
import { setTaskStatus } from './task-status';

export interface BeeOptions {
  root: string;
  botId: string;
  /** Identifies this bee in its claims and its presence file; bees sharing a folder should have distinct names. */
  name: string;
  handlerFor(task: TaskFile): Handler;
  /** Re-scan of the folders, for file systems that lose events. */
  rescanMs?: number;
  /** false: no file events at all, the re-scan alone (file systems without inotify, such as some network mounts). */
  watch?: boolean;
  /** How often the presence file is rewritten (default 5 s). */
  heartbeatMs?: number;
  log?(line: string): void;
}

export type Outcome = 'answered' | 'failed' | 'skipped' | 'cancelled' | 'released';

/** The task being worked on, and why its work was asked to stop (if it was). */
interface InHand {
  taskId: string;
  fileName: string;
  controller: AbortController;
  why: 'cancel' | 'stop' | null;
}

export class Bee {
  readonly paths: HivePaths;
  readonly inbox: string;
  private readonly presence: Presence;
  private inboxWatcher: FSWatcher | null = null;
  private claimsWatcher: FSWatcher | null = null;
  private cancelsWatcher: FSWatcher | null = null;
  private rescan: NodeJS.Timeout | null = null;
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  /** Files decided in this run (answered, cancelled, unreadable): not looked at again. */
  private readonly settled = new Set<string>();
  /** Tasks another bee holds (task id → file name): looked at again once their claim goes. */
  private readonly held = new Map<string, string>();
  /** Its own status rewrites must not queue its file again. */
  private inHand: InHand | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private stopping: Promise<void> | null = null;
  readonly counts: Record<Outcome, number> = { answered: 0, failed: 0, skipped: 0, cancelled: 0, released: 0 };

  constructor(private readonly options: BeeOptions) {
    this.paths = hivePaths(options.root);
    this.inbox = path.join(this.paths.tasks, options.botId);
    this.presence = new Presence(this.paths, options.name, [options.botId], options.heartbeatMs ?? HEARTBEAT_MS, (l) =>
      this.log(l),
    );
  }

  /** The id of the task being worked on, if any. */
  get taskInHand(): string | null {
    return this.inHand?.taskId ?? null;
  }

  async start(): Promise<void> {
    const { responses, claims, cancels, bees, tmp } = this.paths;
    for (const dir of [this.inbox, responses, claims, cancels, bees, tmp]) await mkdir(dir, { recursive: true });
    await this.presence.start();
    if (this.options.watch !== false) {
      this.inboxWatcher = this.watch(this.inbox, (name) => this.enqueue(name));
      this.claimsWatcher = this.watch(claims, (name) => void this.relook(name));
      this.cancelsWatcher = this.watch(cancels, (name) => {
        if (name === this.inHand?.taskId) void this.checkCancel();
      });
    }
    this.rescan = setInterval(
      () => void this.tick().catch((err: Error) => this.log(`re-scan: ${err.message}`)),
      this.options.rescanMs ?? 2000,
    );
    await this.scan();
    this.log(`${this.options.name} watching ${path.relative(this.options.root, this.inbox) || this.inbox}`);
  }

  /** Stops taking new tasks, waits for the one in hand (cancels still count), then removes the presence file. */
  stop(): Promise<void> {
    return (this.stopping ??= this.shutdown());
  }

  /** Stops at once: the work in hand is ended (its whole process group) and its task given back, then as stop(). */
  stopNow(): Promise<void> {
    this.stopped = true;
    this.abortInHand('stop', (id) => `stopping now: ending the work on ${id} to give it back`);
    return this.stop();
  }

  /** Resolves when nothing is queued or in hand (for tests and one-shot runs). */
  async drained(): Promise<void> {
    while (this.running) await this.running;
  }

  private async shutdown(): Promise<void> {
    this.stopped = true;
    this.inboxWatcher?.close();
    this.claimsWatcher?.close();
    await this.running;
    this.cancelsWatcher?.close();
    if (this.rescan) clearInterval(this.rescan);
    await this.presence.remove();
  }

  private watch(dir: string, onName: (name: string) => void): FSWatcher {
    const watcher = watch(dir, { persistent: true }, (_type, name) => name && onName(name.toString()));
    watcher.on('error', (err) =>
      this.log(`watch error on ${path.basename(dir)}/: ${err.message}; relying on the re-scan`),
    );
    return watcher;
  }

  /** The fallback for lost file events: cancels of the task in hand, new tasks, released claims. */
  private async tick(): Promise<void> {
    await this.checkCancel();
    if (this.stopped) return;
    const names = new Set(await this.scan());
    for (const [taskId, fileName] of this.held) {
      // Answered and archived by the bee that held it: nothing left to look at.
      if (!names.has(fileName)) this.held.delete(taskId);
      else await this.relook(taskId);
    }
  }

  private async scan(): Promise<string[]> {
    const names = (await readdir(this.inbox).catch(() => [] as string[])).sort();
    for (const name of names) this.enqueue(name);
    return names;
  }

  private enqueue(fileName: string): void {
    if (this.stopped || this.queued.has(fileName) || this.settled.has(fileName)) return;
    const parsed = parseTaskFileName(fileName);
    if (!parsed || this.held.has(parsed.taskId) || this.inHand?.fileName === fileName) return;
    this.queued.add(fileName);
    this.queue.push(fileName);
    this.running ??= this.work().finally(() => (this.running = null));
  }

  /** A task another bee held is worth a new look once its claim file is gone (released, or reclaimed by the server). */
  private async relook(taskId: string): Promise<void> {
    const fileName = this.held.get(taskId);
    if (!fileName || this.stopped || (await present(path.join(this.paths.claims, taskId)))) return;
    if (this.held.get(taskId) !== fileName) return;
    this.held.delete(taskId);
    this.log(`${taskId}: its claim was released; looking again`);
    this.enqueue(fileName);
  }

  private async work(): Promise<void> {
    for (let next = this.queue.shift(); next && !this.stopped; next = this.queue.shift()) {
      this.queued.delete(next);
      try {
        this.counts[await this.handle(next)]++;
      } catch (err) {
        this.log(`${next}: ${(err as Error).message}; will retry on the next scan`);
      } finally {
        if (this.inHand) void this.presence.setCurrentTask(null);
        this.inHand = null;
      }
    }
  }

  private responseName(taskId: string): string {
    return `${this.options.botId}-RESPONSE-${taskId}.md`;
  }

  private async handle(fileName: string): Promise<Outcome> {
    const { taskId } = parseTaskFileName(fileName)!;
    const taskFile = path.join(this.inbox, fileName);
    const response = path.join(this.paths.responses, this.responseName(taskId));
    if (await present(response)) return this.settle(fileName, 'skipped');

    const read = await readTaskFile(taskFile);
    if (!read.ok) {
      if (!read.missing) this.log(`${fileName}: ${read.reason}; skipped`);
      return this.settle(fileName, 'skipped');
    }
    // A cancel acknowledged before (by this bee, or its previous run): nothing to do.
    if (read.task.status === 'cancelled') return this.settle(fileName, 'skipped');
    const claim = await claimTask(this.paths.claims, taskId, this.options.botId, this.options.name);
    if (claim === 'taken') {
      this.held.set(taskId, fileName);
      return 'skipped';
    }
    // Between reading the file and claiming it, the server may have moved the task elsewhere
    // (reassigned, cancelled): a claim on a task no longer in this inbox is let go at once.
    if (claim === 'claimed' && !(await present(taskFile))) {
      await releaseClaim(this.paths.claims, taskId);
      this.log(`${taskId} left this inbox while it was being claimed; claim let go`);
      return this.settle(fileName, 'skipped');
    }

    const hand: InHand = { taskId, fileName, controller: new AbortController(), why: null };
    const { signal } = hand.controller;
    this.inHand = hand;
    void this.presence.setCurrentTask(taskId);
    // A cancel that came before the task was in hand (a resumed claim, a cancel racing the claim).
    await this.checkCancel();
    const task = read.task;
    let result: HandlerResult | null = null;
    if (!signal.aborted) {
      await setTaskStatus(taskFile, this.paths.tmp, 'in_progress');
      this.log(`${claim === 'resumed' ? 'resumed' : 'claimed'} ${taskId} (${task.intent}: ${task.title})`);
      try {
        result = await this.options.handlerFor(task)(task, signal);
      } catch (err) {
        if (!signal.aborted) throw err;
      }
    }
    // Work asked to stop has no answer, even if the handler finished in the meantime.
    if (signal.aborted || !result) return this.endStopped(hand, taskFile);

    if (!result.ok) await setTaskStatus(taskFile, this.paths.tmp, 'blocked');
    await publishFile(this.paths.tmp, response, result.markdown);
    this.log(result.ok ? `answered ${taskId}` : `blocked ${taskId}: ${result.reason}`);
    return this.settle(fileName, result.ok ? 'answered' : 'failed');
  }

  /** The work of `hand` has stopped: acknowledge a cancel, or give the task back. */
  private async endStopped(hand: InHand, taskFile: string): Promise<Outcome> {
    // A stop that meets a cancel acknowledges it: giving the task back would only pass a cancelled task on.
    if (hand.why === 'cancel' || (await this.cancelRequest(hand.taskId))) {
      await setTaskStatus(taskFile, this.paths.tmp, 'cancelled');
      this.log(`cancelled ${hand.taskId}: its work is stopped; status cancelled, no response`);
      return this.settle(hand.fileName, 'cancelled');
    }
    // Status first, claim second: the task never reads as unclaimed and in progress at once.
    await setTaskStatus(taskFile, this.paths.tmp, 'active');
    await releaseClaim(this.paths.claims, hand.taskId);
    this.log(`released ${hand.taskId}: its work is stopped; status active again, claim removed for another bee`);
    return 'released';
  }

  private async checkCancel(): Promise<void> {
    const hand = this.inHand;
    if (!hand || hand.controller.signal.aborted) return;
    const request = await this.cancelRequest(hand.taskId);
    if (!request || this.inHand !== hand) return;
    const reason = request.reason ? ` (${request.reason})` : '';
    this.abortInHand('cancel', (id) => `cancel requested for ${id}${reason}: ending its work`);
  }

  private abortInHand(why: 'cancel' | 'stop', line: (taskId: string) => string): void {
    const hand = this.inHand;
    if (!hand || hand.controller.signal.aborted) return;
    hand.why = why;
    this.log(line(hand.taskId));
    hand.controller.abort(new Error(why === 'cancel' ? 'the task was cancelled' : 'the bee is stopping'));
  }

  /** `cancels/{task_id}` is the request by its existence; its fields, when readable, only say why. */
  private async cancelRequest(taskId: string): Promise<{ reason: string | null } | null> {
    const file = path.join(this.paths.cancels, taskId);
    const stat = await lstat(file).catch(() => null);
    if (!stat) return null;
    const text = stat.isFile() && stat.size < 64 * 1024 ? await readFile(file, 'utf8').catch(() => '') : '';
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {
      // unreadable: still a cancel
    }
    return { reason: CancelRequestSchema.safeParse(json).data?.reason ?? null };
  }

  private settle(fileName: string, outcome: Outcome): Outcome {
    this.settled.add(fileName);
    return outcome;
  }

  private log(line: string): void {
    this.options.log?.(`[${this.options.botId}] ${line}`);
  }
}

/** Whether anything is at `file` (a dangling symlink counts: it still blocks an O_EXCL create). */
async function present(file: string): Promise<boolean> {
  return lstat(file).then(
    () => true,
    () => false,
  );
}
