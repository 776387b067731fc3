/** Files written the way a bee writes them, for tests and benches that play the bee. */
import { randomUUID } from 'node:crypto';
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** Publishes a response whole: written in `.deia/hive/tmp/`, then renamed into `responses/`. */
export async function writeResponse(root: string, name: string, content: string): Promise<void> {
  const hive = path.join(root, '.deia', 'hive');
  const tmp = path.join(hive, 'tmp', `response-${randomUUID()}.part`);
  await writeFile(tmp, content);
  await rename(tmp, path.join(hive, 'responses', name));
}

/** Announces a bee (its presence file, written whole), as a reference bee does at every heartbeat. */
export async function writePresence(
  root: string,
  bee: string,
  bots: string[],
  extra: { current_task?: string | null; pid?: number; host?: string; heartbeat_at?: string } = {},
): Promise<void> {
  const hive = path.join(root, '.deia', 'hive');
  const tmp = path.join(hive, 'tmp', `presence-${randomUUID()}.part`);
  const now = new Date().toISOString();
  const record = {
    bee,
    bots,
    host: extra.host ?? os.hostname(),
    pid: extra.pid ?? process.pid,
    started_at: now,
    heartbeat_at: extra.heartbeat_at ?? now,
    current_task: extra.current_task ?? null,
  };
  await writeFile(tmp, JSON.stringify(record));
  await rename(tmp, path.join(hive, 'bees', `${bee}.json`));
}

/** Claims a task as a bee does (O_EXCL): true when this bee now owns it. */
export async function claimAsBee(root: string, taskId: string, bee: string, botId = 'BEE-001'): Promise<boolean> {
  const file = path.join(root, '.deia', 'hive', 'claims', taskId);
  try {
    await writeFile(file, `${JSON.stringify({ bot_id: botId, bee, claimed_at: new Date().toISOString() })}\n`, {
      flag: 'wx',
    });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/** Rewrites a task file's status as a bee does: whole, in tmp/, renamed over it. */
export async function setStatusAsBee(root: string, taskPath: string, status: string): Promise<void> {
  const file = path.join(root, taskPath);
  const task = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  const tmp = path.join(root, '.deia', 'hive', 'tmp', `status-${randomUUID()}.part`);
  await writeFile(tmp, JSON.stringify({ ...task, status }));
  await rename(tmp, file);
}

/**
 * Keeps `bees` announced as a reference bee does: each rewrites its presence file every
 * `everyMs` (their beats spread over the interval), until `stop()` removes the files (a clean stop).
 */
export function heartbeatBees(root: string, bees: { bee: string; bots: string[] }[], everyMs = 5000) {
  const timers: NodeJS.Timeout[] = [];
  const writing = new Set<Promise<void>>();
  const beat = (bee: { bee: string; bots: string[] }) => {
    const write = writePresence(root, bee.bee, bee.bots).catch(() => undefined);
    writing.add(write);
    void write.finally(() => writing.delete(write));
  };
  const started = Promise.all(bees.map((bee) => writePresence(root, bee.bee, bee.bots)));
  bees.forEach((bee, i) => {
    const offset = Math.floor((i * everyMs) / bees.length);
    timers.push(
      setTimeout(() => {
        beat(bee);
        timers.push(setInterval(() => beat(bee), everyMs));
      }, offset),
    );
  });
  return {
    started,
    async stop(): Promise<void> {
      for (const timer of timers) clearTimeout(timer);
      await Promise.all([...writing]);
      await Promise.all(
        bees.map((bee) => unlink(path.join(root, '.deia', 'hive', 'bees', `${bee.bee}.json`)).catch(() => undefined)),
      );
    },
  };
}
