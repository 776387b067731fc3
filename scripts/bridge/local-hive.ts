/**
 * The bridge's side of the local hive: it plays the server for the file bees there. A task
 * claimed over HTTP is published into `tasks/{bot}/` under the server's file name format;
 * a cancel becomes `cancels/{task_id}`; a task that ended is archived, and one whose lease
 * is gone is withdrawn. Every write is whole (tmp, then link or rename), as the server's.
 */
import { readdir, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { CancelRequest } from '../../server/contracts/bee';
import type { TaskFile } from '../../server/contracts/task';
import { moveNoClobber } from '../../server/core/atomic-write';
import { readClaim, releaseClaim } from '../../server/core/claims';
import type { HivePaths } from '../../server/core/hive-paths';
import { fileStamp } from '../../server/core/ids';
import { parseTaskFileName, publishTask, readTaskFile, realFolder } from '../../server/core/task-files';
import { replaceFile } from '../bee/replace-file';

export class LocalHive {
  readonly inbox: string;

  constructor(
    readonly paths: HivePaths,
    readonly botId: string,
    /** The bridge's name in the local claims it takes. */
    readonly name: string,
  ) {
    this.inbox = path.join(paths.tasks, botId);
  }

  taskPath(fileName: string): string {
    return path.join(this.inbox, fileName);
  }

  responseName(taskId: string): string {
    return `${this.botId}-RESPONSE-${taskId}.md`;
  }

  responsePath(taskId: string): string {
    return path.join(this.paths.responses, this.responseName(taskId));
  }

  /** The task id a response file name answers, if it is one of this bot's. */
  taskOfResponse(name: string): string | null {
    const prefix = `${this.botId}-RESPONSE-`;
    return name.startsWith(prefix) && name.endsWith('.md') ? name.slice(prefix.length, -'.md'.length) : null;
  }

  /**
   * Puts a claimed task into the local inbox and returns its file name. A file already there
   * for the task (a bridge restarted while a local bee worked on it) is kept, unless it was
   * cancelled in an earlier attempt; leftovers of an earlier attempt that would stop this
   * one (its cancel, a claim of this bridge's dead run) are removed first.
   */
  async publish(task: TaskFile, at: Date): Promise<string> {
    const taskId = task.task_id;
    await releaseIfFile(path.join(this.paths.cancels, taskId));
    const claim = await readClaim(this.paths.claims, taskId);
    if (claim?.raw.bee === this.name && claim.raw.host === os.hostname() && claim.raw.pid !== process.pid)
      await releaseClaim(this.paths.claims, taskId);
    for (const existing of await this.filesOf(taskId)) {
      const read = await readTaskFile(this.taskPath(existing));
      if (read.ok && read.task.status !== 'cancelled') return existing;
      await releaseIfFile(this.taskPath(existing));
    }
    const fileName = `${fileStamp(at)}-${taskId}.json`;
    await publishTask(this.paths, task, { taskId, botId: this.botId, fileName, location: 'tasks' });
    return fileName;
  }

  /** `cancels/{task_id}`: a local bee working on the task stops it and rewrites its status `cancelled`. */
  async requestCancel(taskId: string, reason: string): Promise<void> {
    const request: CancelRequest = { task_id: taskId, reason, requested_at: new Date().toISOString() };
    await replaceFile(this.paths.tmp, path.join(this.paths.cancels, taskId), `${JSON.stringify(request)}\n`);
  }

  /** The task ended: its file goes to `archive/{bot}/`, its claim and cancel go (the response stays, as on the server). */
  async archive(taskId: string, fileName: string): Promise<void> {
    const archiveDir = path.join(this.paths.archive, this.botId);
    await realFolder(archiveDir, `archive/${this.botId}`);
    await moveNoClobber(this.taskPath(fileName), path.join(archiveDir, fileName)).catch(
      async (err: NodeJS.ErrnoException) => {
        // Gone already, or an older copy is archived under the name: nothing of this one is worth keeping twice.
        if (err.code !== 'ENOENT') await releaseIfFile(this.taskPath(fileName));
      },
    );
    await releaseClaim(this.paths.claims, taskId);
    await releaseIfFile(path.join(this.paths.cancels, taskId));
  }

  /**
   * The task is no longer this bridge's to offer: its file and claim go. `stopWork` also asks
   * a local bee that may be working on it to stop (the cancel file stays, as a record of why).
   */
  async withdraw(taskId: string, fileName: string, stopWork: string | null): Promise<void> {
    if (stopWork) await this.requestCancel(taskId, stopWork);
    await releaseIfFile(this.taskPath(fileName));
    await releaseClaim(this.paths.claims, taskId);
  }

  private async filesOf(taskId: string): Promise<string[]> {
    const names = await readdir(this.inbox).catch(() => [] as string[]);
    return names.filter((name) => parseTaskFileName(name)?.taskId === taskId);
  }
}

async function releaseIfFile(file: string): Promise<void> {
  await unlink(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}
