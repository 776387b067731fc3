/**
 * Pieces of the `stores` bench: the live stream read as the dashboard's EventSource reads it,
 * the CPU a database's backends used, the bodies of failed requests (kept whole, not only
 * counted), and servers and databases stopped whatever happens, Ctrl-C included.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Reply } from '../lib/bench-http';
import { round } from '../lib/measure';
import { cpuMs } from '../lib/process-stats';
import { startServer, type ServerProcess, type StartOptions } from '../lib/server-process';

/** The 1-minute load average now, with each figure: a shared machine's load changes every number. */
export const load1m = () => round(os.loadavg()[0] ?? NaN);

// ---------------------------------------------------------------- cleanup

const cleanups: (() => Promise<void>)[] = [];

/** Runs at the end, last registered first, also when the bench fails or is interrupted. */
export function onCleanup(work: () => Promise<void>): void {
  cleanups.push(work);
}

export async function cleanUp(): Promise<void> {
  for (let work = cleanups.pop(); work; work = cleanups.pop()) {
    await work().catch((err: unknown) => console.error('cleanup failed:', err));
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping the servers and dropping the database`);
    void cleanUp().finally(() => process.exit(130));
  });
}

/**
 * A server with a hive root of its own; stopped (and its root removed) at cleanup unless
 * stopped before. `logs`: its log lines that look like problems, and what it left behind.
 */
export async function startOwnedServer(options: StartOptions = {}): Promise<ServerProcess & { logs: string[] }> {
  const server = await startServer(options);
  let stopped: Promise<void> | null = null;
  const logs: string[] = [];
  const stop = () =>
    (stopped ??= server.stop().then(async () => {
      logs.push(...problems(server.output()));
      if (server.child.exitCode !== 0) logs.push(`exited with ${server.child.exitCode ?? server.child.signalCode}`);
      logs.push(...(await removeMirror(server.child.pid!)));
      await rm(server.root, { recursive: true, force: true });
    }));
  onCleanup(stop);
  return { ...server, stop, logs };
}

/**
 * A PostgreSQL-mode server keeps its ledger mirror in os.tmpdir() as hive-mirror-{pid}-….db
 * and removes it when it closes; one stopped before it closed leaves it there. Removed here,
 * and said.
 */
async function removeMirror(pid: number): Promise<string[]> {
  const left = readdirSync(os.tmpdir()).filter((name) => name.startsWith(`hive-mirror-${pid}-`));
  if (left.length === 0) return [];
  const files = left.map((name) => path.join(os.tmpdir(), name));
  const mib = files.reduce((bytes, file) => bytes + statSync(file).size, 0) / 1048576;
  await Promise.all(files.map((file) => rm(file, { force: true })));
  return [`left its ledger mirror behind (${left.join(', ')}: ${mib.toFixed(1)} MiB; the bench removed it)`];
}

/** Server log lines that look like problems. */
const problems = (output: string) => output.split('\n').filter((line) => /error|warn|fail|exception/i.test(line));

// ---------------------------------------------------------------- failures, whole

/** The first reply of each kind of failure ("409 CONFLICT", "0 ECONNRESET"), body and all. */
export class FailureBodies {
  readonly first: Record<string, string> = {};

  note(reply: Reply, ok: boolean): void {
    if (ok) return;
    const code = (reply.body as { error?: { code?: string } } | null)?.error?.code;
    const kind = `${reply.status} ${reply.error ?? code ?? 'unexpected body'}`;
    this.first[kind] ??= reply.body === null ? (reply.error ?? '(no body)') : JSON.stringify(reply.body).slice(0, 600);
  }
}

export function printFailureBodies(first: Record<string, string>, what: string): void {
  for (const [kind, body] of Object.entries(first)) console.log(`  first ${kind} (${what}): ${body}`);
}

// ---------------------------------------------------------------- database CPU

/**
 * CPU ms each backend process of one database has used (`postgres: user db host(port) …`
 * in /proc/PID/cmdline), so other tests on a shared cluster do not count. The cluster's
 * shared processes (WAL writer, checkpointer) are not included, nor backends that exited.
 */
export function backendCpu(database: string): Map<number, number> {
  const cpu = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const title = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (title.startsWith('postgres:') && title.includes(` ${database} `))
        cpu.set(Number(entry), cpuMs(Number(entry)));
    } catch {
      // gone meanwhile
    }
  }
  return cpu;
}

/** CPU ms the database's backends used since `before` (a backend born since counts from 0). */
export function backendCpuSince(database: string, before: Map<number, number>): number {
  let used = 0;
  for (const [pid, ms] of backendCpu(database)) used += ms - (before.get(pid) ?? 0);
  return used;
}

// ---------------------------------------------------------------- the live stream

/**
 * `GET /api/trpc/hive.live` (tRPC's SSE subscription) read with fetch streaming. Tells when
 * the `task_dispatched` event of a task arrived (performance.now() of its chunk).
 */
export class LiveStream {
  readonly connected: Promise<void>;
  readonly ended: Promise<string>;
  events = 0;
  private readonly abort = new AbortController();
  private readonly waiting = new Map<string, (at: number) => void>();

  constructor(url: string) {
    let onConnected: () => void = () => undefined;
    this.connected = new Promise<void>((resolve) => (onConnected = resolve));
    this.ended = (async () => {
      try {
        const res = await fetch(`${url}/api/trpc/hive.live?input=${encodeURIComponent('{}')}`, {
          headers: { accept: 'text/event-stream' },
          signal: this.abort.signal,
        });
        if (!res.ok || !res.body) return `HTTP ${res.status}`;
        const decoder = new TextDecoder();
        let pending = '';
        let data = '';
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          const at = performance.now();
          pending += decoder.decode(chunk, { stream: true });
          const lines = pending.split('\n');
          pending = lines.pop() ?? '';
          for (const line of lines) {
            if (line.startsWith('event: connected')) onConnected();
            else if (line.startsWith('data:')) data += line.slice(5).trim();
            else if (line === '') {
              if (data) this.received(data, at);
              data = '';
            }
          }
        }
        return 'closed by the server';
      } catch (err) {
        return this.abort.signal.aborted ? 'closed by the bench' : `failed: ${String(err)}`;
      } finally {
        onConnected();
      }
    })();
  }

  /** Resolves with the moment the task's `task_dispatched` arrived, or null after `timeoutMs`. Call before dispatching. */
  dispatched(taskId: string, timeoutMs: number): Promise<number | null> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(taskId);
        resolve(null);
      }, timeoutMs);
      this.waiting.set(taskId, (at) => {
        clearTimeout(timer);
        this.waiting.delete(taskId);
        resolve(at);
      });
    });
  }

  close(): Promise<string> {
    this.abort.abort();
    return this.ended;
  }

  private received(data: string, at: number): void {
    let event: { event_type?: string; task_id?: string | null };
    try {
      event = JSON.parse(data) as typeof event;
    } catch {
      return; // a ping's empty data, or the connected event's options
    }
    if (!event.event_type) return;
    this.events++;
    if (event.event_type === 'task_dispatched' && event.task_id) this.waiting.get(event.task_id)?.(at);
  }
}
