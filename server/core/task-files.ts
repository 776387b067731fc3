/** Task files on disk: `{stamp}-{task_id}.json` under `tasks/{bot_id}/` (and `archive/{bot_id}/`). */
import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { BotIdSchema, ID_PATTERN } from '../contracts/ids';
import { TaskFileSchema, type TaskFile } from '../contracts/task';
import { publishFile, replaceFile } from './atomic-write';
import { HiveError, storageError } from './errors';
import type { HivePaths } from './hive-paths';
import { fileStamp } from './ids';

const TASK_FILE_NAME = /^(\d{8}T\d{9}Z)-(.+)\.json$/;
/** Larger than any task the API accepts (summaries run to the request body limit), smaller than a mistake. */
const MAX_TASK_FILE_BYTES = 24 * 1024 * 1024;

/** Where a task file is: a bot's inbox, the archive of finished tasks, or held while its bot is paused. */
export type TaskLocation = 'tasks' | 'archive' | 'held';

const LOCATION_DIR = { tasks: 'tasks', archive: 'archive', held: 'held' } as const satisfies Record<
  TaskLocation,
  keyof HivePaths
>;

export interface TaskFileRef {
  taskId: string;
  botId: string;
  fileName: string;
  location: TaskLocation;
}

export interface WrittenTask extends TaskFileRef {
  /** Its fileIdentity (atomic-write.ts) when it was published. */
  identity: string;
}

export function parseTaskFileName(fileName: string): { stamp: string; taskId: string } | null {
  const match = TASK_FILE_NAME.exec(fileName);
  if (!match || !ID_PATTERN.test(match[2]!)) return null;
  return { stamp: match[1]!, taskId: match[2]! };
}

export function taskFilePath(paths: HivePaths, ref: Omit<TaskFileRef, 'taskId'>): string {
  return path.join(paths[LOCATION_DIR[ref.location]], ref.botId, ref.fileName);
}

/**
 * A bot's folder under tasks/ or archive/, created if missing. Checked on every use (one
 * lstat): a file or a symlink in its place would put a task somewhere else, possibly
 * outside the hive.
 */
export async function realFolder(dir: string, label: string): Promise<void> {
  let stat = await lstat(dir).catch(() => null);
  if (!stat) {
    try {
      // Not recursive: the parent exists, and a recursive mkdir reports a read-only hive as ENOENT.
      await mkdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw storageError(err, `creating ${label}`);
    }
    stat = await lstat(dir).catch((err: unknown) => {
      throw storageError(err, `checking ${label}`);
    });
  }
  if (!stat.isDirectory()) {
    throw new HiveError(
      'CONFLICT',
      `.deia/hive/${label} is ${stat.isSymbolicLink() ? 'a symlink' : 'not a folder'}; tasks are only written into real folders. Remove it, or use another bot_id.`,
    );
  }
}

/** Publishes a new task file (in its bot's inbox, or held); refuses (409) rather than replace an existing one. */
export async function writeTask(
  paths: HivePaths,
  task: TaskFile,
  at: Date,
  location: Exclude<TaskLocation, 'archive'> = 'tasks',
): Promise<WrittenTask> {
  const fileName = `${fileStamp(at)}-${task.task_id}.json`;
  return publishTask(paths, task, { taskId: task.task_id, botId: task.bot_id, fileName, location });
}

/** Publishes a task file at `ref` (a new file: an existing one is never replaced). */
export async function publishTask(paths: HivePaths, task: TaskFile, ref: TaskFileRef): Promise<WrittenTask> {
  const file = taskFilePath(paths, ref);
  await realFolder(path.dirname(file), `${LOCATION_DIR[ref.location]}/${ref.botId}`);
  const identity = await publishFile(paths.tmp, file, `${JSON.stringify(task, null, 2)}\n`);
  return { ...ref, identity };
}

export type TaskFileRead = { ok: true; task: TaskFile } | { ok: false; reason: string; missing?: boolean };

/** Reads a task file without following symlinks; any problem is a reason, never a throw. */
export async function readTaskFile(file: string): Promise<TaskFileRead> {
  let text: string;
  try {
    // O_NONBLOCK: a named pipe put here must not hold a thread forever.
    const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) return { ok: false, reason: 'not a regular file' };
      if (stat.size > MAX_TASK_FILE_BYTES) return { ok: false, reason: `larger than ${MAX_TASK_FILE_BYTES} bytes` };
      text = await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { ok: false, reason: 'file vanished', missing: true };
    return { ok: false, reason: code === 'ELOOP' ? 'a symlink (not followed)' : `unreadable (${code})` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not valid JSON' };
  }
  const parsed = TaskFileSchema.safeParse(json);
  return parsed.success
    ? { ok: true, task: parsed.data }
    : { ok: false, reason: 'not a task (fields missing or mistyped)' };
}

/** Every well-named task file under `tasks/` or `archive/`; symlinks and strays are skipped. */
export async function scanTaskFiles(paths: HivePaths, location: TaskLocation): Promise<TaskFileRef[]> {
  const base = paths[LOCATION_DIR[location]];
  const refs: TaskFileRef[] = [];
  for (const botDir of await readdir(base, { withFileTypes: true }).catch(() => [])) {
    if (!botDir.isDirectory() || !BotIdSchema.safeParse(botDir.name).success) continue;
    const entries = await readdir(path.join(base, botDir.name), { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (!entry.isFile()) continue;
      const parsed = parseTaskFileName(entry.name);
      if (parsed) refs.push({ taskId: parsed.taskId, botId: botDir.name, fileName: entry.name, location });
    }
  }
  return refs;
}

/**
 * Rewrites a task file's status the way the contract lets bees do it: the whole file in
 * `tmp/`, renamed over the old one, nothing else changed. Returns false when the file is gone.
 */
export async function rewriteTaskStatus(
  paths: HivePaths,
  ref: Omit<TaskFileRef, 'taskId'>,
  status: string,
): Promise<boolean> {
  const file = taskFilePath(paths, ref);
  let task: Record<string, unknown>;
  try {
    task = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw storageError(err, `reading ${ref.fileName}`);
  }
  if (task.status === status) return true;
  try {
    await replaceFile(paths.tmp, file, `${JSON.stringify({ ...task, status }, null, 2)}\n`);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw storageError(err, `rewriting ${ref.fileName}`);
  }
}
