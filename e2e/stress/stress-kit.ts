/** Tools of the stress project: dispatch without throwing, hive and ledger inspection, RSS sampling, live-stream readers, tmpfs mounts. */
import { execFile } from 'node:child_process';
import { closeSync, openSync, readdirSync, writeSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { runPool } from '../../scripts/lib/measure';
import { rssKiB } from '../support/process-stats';

const run = promisify(execFile);

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// HTTP

/** A reply, or `status: 0` with the network error when the request never got one. */
export interface Reply {
  status: number;
  body: Record<string, any>;
  error?: string;
}

/** POST /api/tasks/run that never throws: a killed server shows up as `status: 0`. */
export async function tryDispatch(url: string, body: unknown, timeoutMs = 60_000): Promise<Reply> {
  try {
    const res = await fetch(`${url}/api/tasks/run`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let parsed: Record<string, any>;
    try {
      parsed = JSON.parse(text) as Record<string, any>;
    } catch {
      parsed = { unparsed: text.slice(0, 200) };
    }
    return { status: res.status, body: parsed };
  } catch (err) {
    return { status: 0, body: {}, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  }
}

export async function getJson(url: string): Promise<Reply> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  } catch (err) {
    return { status: 0, body: {}, error: String(err) };
  }
}

/** Runs `fn` over `items` with at most `limit` in flight; results in input order. */
export function mapPool<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  return runPool(items.length, limit, (i) => fn(items[i]!));
}

export function countBy<T>(items: Iterable<T>, key: (item: T) => string | number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) {
    const k = String(key(item));
    counts[k] = (counts[k] ?? 0) + 1;
  }
  return counts;
}

// ---------------------------------------------------------------------------------------------
// The hive on disk

/** The task-file fields DESIGN §2 promises, with their JSON types. */
const REQUIRED_FIELDS: Record<string, 'string' | 'array'> = {
  task_id: 'string',
  bot_id: 'string',
  intent: 'string',
  title: 'string',
  summary: 'string',
  kb_entities: 'array',
  status: 'string',
  lane: 'string',
  provider: 'string',
  delivery_mode: 'string',
  created_at: 'string',
  started_at: 'string',
};

export interface TaskFileOnDisk {
  taskId: string;
  location: 'tasks' | 'archive';
  relPath: string;
}

export interface HiveScan {
  /** Every task file found, by task id (more than one when a task sits in two places). */
  byId: Map<string, TaskFileOnDisk[]>;
  /** Task files that are empty, not JSON, or lack a field: must always be empty. */
  broken: string[];
  /** Leftovers in `tmp/` (allowed after a crash; nobody reads them). */
  tmpLeftovers: number;
  /** Task ids present both in `tasks/` and `archive/`. */
  inBothPlaces: string[];
}

function problemsOf(text: string, fileName: string): string | null {
  if (text.length === 0) return 'empty';
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return `not JSON (${text.length} bytes)`;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return 'not an object';
  const task = json as Record<string, unknown>;
  const missing = Object.entries(REQUIRED_FIELDS)
    .filter(([field, type]) => (type === 'array' ? !Array.isArray(task[field]) : typeof task[field] !== 'string'))
    .map(([field]) => field);
  if (missing.length) return `missing or mistyped: ${missing.join(', ')}`;
  if (!fileName.endsWith(`-${task.task_id as string}.json`))
    return `task_id ${String(task.task_id)} does not match the name`;
  return null;
}

/** Reads every file under `tasks/` and `archive/` (and lists `tmp/`); the server should not be running. */
export async function scanHive(root: string): Promise<HiveScan> {
  const hive = path.join(root, '.deia', 'hive');
  const byId = new Map<string, TaskFileOnDisk[]>();
  const broken: string[] = [];
  for (const location of ['tasks', 'archive'] as const) {
    const base = path.join(hive, location);
    for (const bot of await readdir(base).catch(() => [] as string[])) {
      for (const name of await readdir(path.join(base, bot)).catch(() => [] as string[])) {
        const relPath = `.deia/hive/${location}/${bot}/${name}`;
        const text = await readFile(path.join(root, relPath), 'utf8').catch((err: Error) => `\0${err.message}`);
        const problem = problemsOf(text, name);
        if (problem) {
          broken.push(`${relPath}: ${problem}`);
          continue;
        }
        const taskId = (JSON.parse(text) as { task_id: string }).task_id;
        const list = byId.get(taskId) ?? [];
        list.push({ taskId, location, relPath });
        byId.set(taskId, list);
      }
    }
  }
  const tmpLeftovers = (await readdir(path.join(hive, 'tmp')).catch(() => [] as string[])).length;
  const inBothPlaces = [...byId]
    .filter(([, files]) => new Set(files.map((f) => f.location)).size > 1)
    .map(([id]) => id);
  return { byId, broken, tmpLeftovers, inBothPlaces };
}

/** Files whose name ends with `-{taskId}.json` under tasks/ or archive/: what a dispatch of that id left. */
export function taskFilesOf(root: string, taskId: string): string[] {
  const hive = path.join(root, '.deia', 'hive');
  const found: string[] = [];
  for (const location of ['tasks', 'archive']) {
    const base = path.join(hive, location);
    let bots: string[] = [];
    try {
      bots = readdirSync(base);
    } catch {
      continue;
    }
    for (const bot of bots) {
      let names: string[] = [];
      try {
        names = readdirSync(path.join(base, bot));
      } catch {
        continue;
      }
      for (const name of names) if (name.endsWith(`-${taskId}.json`)) found.push(`${location}/${bot}/${name}`);
    }
  }
  return found;
}

/** A bee's answer, written the way bees should: whole in `tmp/`, then renamed into `responses/`. */
export { writeResponse } from '../support/fixtures';

/** Removes a test's hive once the test has passed; a failed test keeps it as evidence. */
export async function removeIfPassed(root: string, passed: boolean): Promise<void> {
  if (passed) await rm(root, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------
// The ledger

export function ledgerIntegrity(root: string): string {
  const db = new Database(path.join(root, '.deia', 'ledger.db'), { readonly: true });
  try {
    const rows = db.pragma('integrity_check') as { integrity_check: string }[];
    return rows.map((r) => r.integrity_check).join('; ');
  } finally {
    db.close();
  }
}

/** Event types recorded per task id. */
export function eventsByTask(rows: readonly { event_type: string; task_id: string | null }[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const row of rows) {
    if (!row.task_id) continue;
    const list = map.get(row.task_id) ?? [];
    list.push(row.event_type);
    map.set(row.task_id, list);
  }
  return map;
}

// ---------------------------------------------------------------------------------------------
// The server process

export { rssKiB };

export function openFds(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}

/** Samples the server's RSS and open descriptors every `everyMs` until stopped; keeps the peaks. */
export function sampleProcess(pid: number, everyMs = 100) {
  const peak = { rssKiB: rssKiB(pid) ?? 0, fds: openFds(pid), samples: 0 };
  const timer = setInterval(() => {
    const rss = rssKiB(pid);
    if (rss !== null) peak.rssKiB = Math.max(peak.rssKiB, rss);
    peak.fds = Math.max(peak.fds, openFds(pid));
    peak.samples++;
  }, everyMs);
  return {
    peak,
    stop() {
      clearInterval(timer);
      return peak;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The live stream (tRPC SSE)

export interface LiveStream {
  /** Every `id:` line received, in order. */
  readonly ids: number[];
  /** Resolves when the server's `connected` event arrived. */
  readonly connected: Promise<void>;
  /** Resolves when the stream ended (closed, aborted or failed), with why. */
  readonly ended: Promise<string>;
  close(): void;
}

/** `GET /api/trpc/hive.live?input={"lastEventId":…}` read with fetch streaming, as the dashboard's EventSource would. */
export function openLiveStream(url: string, lastEventId: string): LiveStream {
  const abort = new AbortController();
  const ids: number[] = [];
  let onConnected: () => void = () => undefined;
  const connected = new Promise<void>((resolve) => (onConnected = resolve));
  const input = encodeURIComponent(JSON.stringify({ lastEventId }));
  const ended = (async () => {
    try {
      const res = await fetch(`${url}/api/trpc/hive.live?input=${input}`, {
        headers: { accept: 'text/event-stream' },
        signal: abort.signal,
      });
      if (!res.ok || !res.body) return `HTTP ${res.status}`;
      const decoder = new TextDecoder();
      let pending = '';
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        pending += decoder.decode(chunk, { stream: true });
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) {
          if (line.startsWith('id:')) ids.push(Number(line.slice(3).trim()));
          else if (line.startsWith('event: connected')) onConnected();
        }
      }
      return 'closed by the server';
    } catch (err) {
      return abort.signal.aborted ? 'closed by the test' : `failed: ${String(err)}`;
    } finally {
      onConnected();
    }
  })();
  return { ids, connected, ended, close: () => abort.abort() };
}

/** Ids that break "1..last in order, each once", described briefly (empty when the stream is exact). */
export function streamProblems(ids: readonly number[], expected: readonly number[]): string[] {
  const problems: string[] = [];
  if (ids.length !== expected.length) problems.push(`${ids.length} ids, expected ${expected.length}`);
  for (let i = 0; i < Math.max(ids.length, expected.length) && problems.length < 5; i++) {
    if (ids[i] !== expected[i]) problems.push(`at #${i}: got ${ids[i]}, expected ${expected[i]}`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// A small disk of our own (tmpfs), full or read-only on demand

export interface SmallDisk {
  dir: string;
  /** Writes a filler file until the file system says ENOSPC; returns its path and size. */
  fill(name?: string): { file: string; bytes: number };
  /** Makes `sub` (a folder on the disk) read-only or writable again, through a bind mount of it over itself. */
  setReadOnly(sub: string, readOnly: boolean): Promise<void>;
  unmount(): Promise<void>;
}

/**
 * Mounts a tmpfs of `size` (e.g. "2m") at a new folder under `parent`. Resolves to a
 * reason instead when this machine does not let us mount (not root, no CAP_SYS_ADMIN).
 */
export async function mountSmallDisk(parent: string, size: string): Promise<SmallDisk | { cannot: string }> {
  const dir = await mkdtemp(path.join(parent, 'hive-tmpfs-'));
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', dir]);
  } catch (err) {
    await rmdir(dir).catch(() => undefined);
    return { cannot: `cannot mount a tmpfs here (${(err as { stderr?: string }).stderr?.trim() || String(err)})` };
  }
  const binds: string[] = [];
  return {
    dir,
    fill(name = 'filler') {
      const file = path.join(dir, name);
      const fd = openSync(file, 'a');
      let bytes = 0;
      try {
        for (const chunk of [Buffer.alloc(64 * 1024, 0x2e), Buffer.alloc(4096, 0x2e)]) {
          for (let i = 0; i < 100_000; i++) {
            try {
              bytes += writeSync(fd, chunk);
            } catch (err) {
              if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
              throw err;
            }
          }
        }
      } finally {
        closeSync(fd);
      }
      return { file, bytes };
    },
    async setReadOnly(sub, readOnly) {
      const target = path.join(dir, sub);
      if (!binds.includes(target)) {
        await run('mount', ['--bind', target, target]);
        binds.push(target);
      }
      await run('mount', ['-o', `remount,bind,${readOnly ? 'ro' : 'rw'}`, target]);
    },
    async unmount() {
      for (const target of [...binds.reverse(), dir]) {
        for (let attempt = 0; attempt < 20; attempt++) {
          try {
            await run('umount', [target]);
            break;
          } catch {
            if (attempt === 19) await run('umount', ['-l', target]).catch(() => undefined);
            else await sleep(100);
          }
        }
      }
      await rmdir(dir).catch(() => undefined);
    },
  };
}
