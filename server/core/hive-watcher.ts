/**
 * File events from the hive, straight from inotify (fs.watch): a response landing, a task
 * file appearing, changing or vanishing, a claim being taken or let go, a bee's presence
 * file, the routing table changing. (`held/` is the server's own and needs no watch.)
 * Each event names one file and nothing is re-read, so its cost does not grow with the
 * hive; the owner looks at the file itself (lstat) to learn what happened. A slow
 * re-scan by the owner covers file systems where events get lost.
 */
import { watch, type FSWatcher } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { BotIdSchema } from '../contracts/ids';
import type { HivePaths } from './hive-paths';
import type { TaskLocation } from './task-files';

export interface HiveWatchHandlers {
  /** Something happened to `responses/{name}`; `null` when the kernel dropped events. */
  responseTouched(name: string | null): void;
  taskFileTouched(location: TaskLocation, botId: string, fileName: string): void;
  claimTouched(taskId: string): void;
  /** A bee's presence file `bees/{name}` changed; `null` when the kernel dropped events. */
  beeTouched(name: string | null): void;
  routingFileTouched(): void;
  error(err: unknown): void;
}

export async function watchHive(paths: HivePaths, on: HiveWatchHandlers): Promise<() => void> {
  const watchers = new Map<string, FSWatcher>();

  const watchDir = (dir: string, onName: (name: string | null) => void) => {
    if (watchers.has(dir)) return;
    try {
      const watcher = watch(dir, { persistent: false }, (_type, name) => onName(name?.toString() ?? null));
      watcher.on('error', (err) => {
        // A watched directory removed or replaced: stop following it, keep the rest.
        watcher.close();
        watchers.delete(dir);
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') on.error(err);
      });
      watchers.set(dir, watcher);
    } catch (err) {
      // Gone (or replaced by a file) before we could watch it: nothing to follow.
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') on.error(err);
    }
  };

  /** `tasks/` and `archive/` hold one folder per bot; each new one gets its own watch. */
  const watchBotFolders = async (location: Exclude<TaskLocation, 'held'>) => {
    const base = location === 'tasks' ? paths.tasks : paths.archive;
    const follow = async (botId: string | null, appeared: boolean) => {
      if (!botId || !BotIdSchema.safeParse(botId).success) return;
      const dir = path.join(base, botId);
      const stat = await lstat(dir).catch(() => null);
      if (!stat?.isDirectory()) return;
      if (watchers.has(dir)) return;
      watchDir(dir, (name) => name && on.taskFileTouched(location, botId, name));
      // Files that landed in a new folder before its watch existed would otherwise go unseen.
      if (appeared) for (const name of await readdir(dir).catch(() => [])) on.taskFileTouched(location, botId, name);
    };
    watchDir(base, (name) => void follow(name, true));
    for (const entry of await readdir(base).catch(() => [])) await follow(entry, false);
  };

  watchDir(paths.responses, (name) => on.responseTouched(name));
  watchDir(paths.claims, (name) => name && on.claimTouched(name));
  watchDir(paths.bees, (name) => on.beeTouched(name));
  watchDir(paths.deia, (name) => name === path.basename(paths.routingFile) && on.routingFileTouched());
  await watchBotFolders('tasks');
  await watchBotFolders('archive');

  return () => {
    for (const watcher of watchers.values()) watcher.close();
    watchers.clear();
  };
}
