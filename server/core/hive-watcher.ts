/**
 * File events from the hive: responses landing, task files appearing or vanishing, the
 * routing table changing. inotify (through chokidar) wakes us within milliseconds; a
 * slow re-scan by the owner covers file systems where events get lost.
 */
import path from 'node:path';
import chokidar, { type FSWatcher } from 'chokidar';
import type { HivePaths } from './hive-paths';
import type { TaskLocation } from './task-files';

export interface HiveWatchHandlers {
  responseAdded(name: string): void;
  responseChanged(name: string): void;
  responseRemoved(name: string): void;
  taskFileAdded(location: TaskLocation, botId: string, fileName: string): void;
  taskFileChanged(location: TaskLocation, botId: string, fileName: string): void;
  taskFileRemoved(location: TaskLocation, botId: string, fileName: string): void;
  routingFileChanged(): void;
  error(err: unknown): void;
}

const OPTIONS = { ignoreInitial: true, followSymlinks: false, atomic: false, persistent: true } as const;

export async function watchHive(paths: HivePaths, on: HiveWatchHandlers): Promise<() => Promise<void>> {
  const responses = chokidar.watch(paths.responses, { ...OPTIONS, depth: 0 });
  responses
    .on('add', (file) => inDir(paths.responses, file, on.responseAdded))
    .on('change', (file) => inDir(paths.responses, file, on.responseChanged))
    .on('unlink', (file) => inDir(paths.responses, file, on.responseRemoved));

  const tasks = chokidar.watch([paths.tasks, paths.archive], { ...OPTIONS, depth: 1 });
  const taskEvent = (handler: HiveWatchHandlers['taskFileAdded']) => (file: string) => {
    for (const [location, base] of [
      ['tasks', paths.tasks],
      ['archive', paths.archive],
    ] as const) {
      const rel = path.relative(base, file).split(path.sep);
      if (rel.length === 2 && rel[0] !== '..') handler(location, rel[0]!, rel[1]!);
    }
  };
  tasks
    .on('add', taskEvent(on.taskFileAdded))
    .on('change', taskEvent(on.taskFileChanged))
    .on('unlink', taskEvent(on.taskFileRemoved));

  const deia = chokidar.watch(paths.deia, { ...OPTIONS, depth: 0 });
  deia.on('all', (_event, file) => {
    if (file === paths.routingFile) on.routingFileChanged();
  });

  const watchers: FSWatcher[] = [responses, tasks, deia];
  for (const w of watchers) w.on('error', on.error);
  await Promise.all(watchers.map((w) => new Promise<void>((resolve) => w.once('ready', () => resolve()))));
  return async () => {
    await Promise.all(watchers.map((w) => w.close()));
  };
}

function inDir(dir: string, file: string, handler: (name: string) => void): void {
  if (path.dirname(file) === dir) handler(path.basename(file));
}
