/**
 * A reference bee: watches `tasks/{bot}/` (and picks up what is already there), claims
 * each task exclusively, marks it `in_progress`, runs a handler and publishes the response.
 * A failed handler still answers (saying so) and leaves the task `blocked`. Work that was
 * answered before a restart is never redone: the response's name is fixed per task.
 */
import { watch, type FSWatcher } from 'node:fs';
import { access, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { TaskFile } from '../../server/contracts/task';
import { publishFile } from '../../server/core/atomic-write';
import { hivePaths, type HivePaths } from '../../server/core/hive-paths';
import { parseTaskFileName, readTaskFile } from '../../server/core/task-files';
import { claimTask } from './claim';
import type { Handler } from './handlers';
import { setTaskStatus } from './task-status';

export interface BeeOptions {
  root: string;
  botId: string;
  /** Identifies this bee in its claims; bees sharing a folder should have distinct names. */
  name: string;
  handlerFor(task: TaskFile): Handler;
  /** Re-scan of the folder, for file systems that lose events. */
  rescanMs?: number;
  log?(line: string): void;
}

export type Outcome = 'answered' | 'failed' | 'skipped';

export class Bee {
  readonly paths: HivePaths;
  readonly inbox: string;
  private watcher: FSWatcher | null = null;
  private rescan: NodeJS.Timeout | null = null;
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  /** Files decided in this run (answered, or owned by another bee): not looked at again. */
  private readonly settled = new Set<string>();
  /** The file in hand: its own status rewrite must not queue it again. */
  private current: string | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  readonly counts = { answered: 0, failed: 0, skipped: 0 };

  constructor(private readonly options: BeeOptions) {
    this.paths = hivePaths(options.root);
    this.inbox = path.join(this.paths.tasks, options.botId);
  }

  async start(): Promise<void> {
    for (const dir of [this.inbox, this.paths.responses, this.paths.claims, this.paths.tmp]) {
      await mkdir(dir, { recursive: true });
    }
    this.watcher = watch(this.inbox, { persistent: true }, (_type, name) => name && this.enqueue(name.toString()));
    this.watcher.on('error', (err) => this.log(`watch error: ${err.message}; relying on the re-scan`));
    this.rescan = setInterval(() => void this.scan(), this.options.rescanMs ?? 2000);
    await this.scan();
    this.log(`${this.options.name} watching ${path.relative(this.options.root, this.inbox) || this.inbox}`);
  }

  /** Stops taking new tasks and waits for the one in hand. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.watcher?.close();
    if (this.rescan) clearInterval(this.rescan);
    await this.running;
  }

  /** Resolves when nothing is queued or in hand (for tests and one-shot runs). */
  async drained(): Promise<void> {
    while (this.running) await this.running;
  }

  private async scan(): Promise<void> {
    const names = await readdir(this.inbox).catch(() => [] as string[]);
    for (const name of names.sort()) this.enqueue(name);
  }

  private enqueue(fileName: string): void {
    if (this.stopped || this.queued.has(fileName) || this.settled.has(fileName) || this.current === fileName) return;
    if (!parseTaskFileName(fileName)) return;
    this.queued.add(fileName);
    this.queue.push(fileName);
    this.running ??= this.work().finally(() => (this.running = null));
  }

  private async work(): Promise<void> {
    for (let next = this.queue.shift(); next && !this.stopped; next = this.queue.shift()) {
      this.queued.delete(next);
      this.current = next;
      try {
        const outcome = await this.handle(next);
        this.counts[outcome]++;
      } catch (err) {
        this.log(`${next}: ${(err as Error).message}; will retry on the next scan`);
      } finally {
        this.current = null;
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
    if (await exists(response)) return this.settle(fileName, 'skipped');

    const read = await readTaskFile(taskFile);
    if (!read.ok) {
      if (!read.missing) this.log(`${fileName}: ${read.reason}; skipped`);
      return this.settle(fileName, 'skipped');
    }
    const claim = await claimTask(this.paths.claims, taskId, this.options.botId, this.options.name);
    if (claim === 'taken') return this.settle(fileName, 'skipped');

    const task = read.task;
    await setTaskStatus(taskFile, this.paths.tmp, 'in_progress');
    this.log(`${claim === 'resumed' ? 'resumed' : 'claimed'} ${taskId} (${task.intent}: ${task.title})`);
    // Nothing stops a task in hand yet: the signal never aborts.
    const result = await this.options.handlerFor(task)(task, new AbortController().signal);
    if (!result.ok) await setTaskStatus(taskFile, this.paths.tmp, 'blocked');
    await publishFile(this.paths.tmp, response, result.markdown);
    this.log(result.ok ? `answered ${taskId}` : `blocked ${taskId}: ${result.reason}`);
    return this.settle(fileName, result.ok ? 'answered' : 'failed');
  }

  private settle(fileName: string, outcome: Outcome): Outcome {
    this.settled.add(fileName);
    return outcome;
  }

  private log(line: string): void {
    this.options.log?.(`[${this.options.botId}] ${line}`);
  }
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}
