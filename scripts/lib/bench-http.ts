/**
 * HTTP for the benches: JSON requests against a real server, a load generator that runs
 * for a set time or count, and seeding a hive through POST /api/tasks/run-many.
 */
import { performance } from 'node:perf_hooks';
import { latencyOf, round, runPool, type Latency } from './measure';
import { cpuMs } from './process-stats';
import type { ServerProcess } from './server-process';

export interface Reply {
  /** 0 when the request failed before any HTTP status arrived. */
  status: number;
  body: unknown;
  ms: number;
  error?: string;
}

/** `init.signal`, when given, ends the request early too (a long-poll the bench stops). */
export async function requestJson(url: string, init: RequestInit = {}, timeoutMs = 60_000): Promise<Reply> {
  const start = performance.now();
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const res = await fetch(url, { ...init, signal: init.signal ? AbortSignal.any([init.signal, timeout]) : timeout });
    const body: unknown = await res.json().catch(() => null);
    return { status: res.status, body, ms: performance.now() - start };
  } catch (err) {
    const cause = (err as Error & { cause?: { code?: string } }).cause;
    return { status: 0, body: null, ms: performance.now() - start, error: cause?.code ?? (err as Error).name };
  }
}

export const postJson = (url: string, body: unknown, timeoutMs?: number, signal?: AbortSignal) =>
  requestJson(
    url,
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal },
    timeoutMs,
  );

/** "409 CONFLICT", "0 ECONNRESET": how each failed request failed, counted. */
export function tallyFailures(replies: readonly Reply[], ok: (r: Reply) => boolean): Record<string, number> {
  const tally: Record<string, number> = {};
  for (const r of replies) {
    if (ok(r)) continue;
    const code = (r.body as { error?: { code?: string } } | null)?.error?.code;
    const kind = `${r.status} ${r.error ?? code ?? 'unexpected body'}`;
    tally[kind] = (tally[kind] ?? 0) + 1;
  }
  return tally;
}

export const failuresText = (tally: Record<string, number>) =>
  Object.entries(tally)
    .map(([kind, n]) => `${n}× ${kind}`)
    .join(', ') || '-';

export interface LoadRun {
  requests: number;
  ok: number;
  seconds: number;
  per_s: number;
  latency: Latency;
  failures: Record<string, number>;
}

/** Keeps `concurrency` requests in flight for `seconds`; `job(i)` makes request i. */
export async function loadFor(
  seconds: number,
  concurrency: number,
  job: (index: number) => Promise<Reply>,
  ok: (r: Reply) => boolean = (r) => r.status === 200,
): Promise<LoadRun> {
  const replies: Reply[] = [];
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let next = 0;
  const worker = async () => {
    while (performance.now() < deadline) replies.push(await job(next++));
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return summarize(replies, (performance.now() - started) / 1000, ok);
}

/** Makes `count` requests with `concurrency` in flight. */
export async function loadCount(
  count: number,
  concurrency: number,
  job: (index: number) => Promise<Reply>,
  ok: (r: Reply) => boolean = (r) => r.status === 200,
): Promise<LoadRun> {
  const started = performance.now();
  const replies = await runPool(count, concurrency, job);
  return summarize(replies, (performance.now() - started) / 1000, ok);
}

function summarize(replies: Reply[], seconds: number, ok: (r: Reply) => boolean): LoadRun {
  const good = replies.filter(ok).length;
  return {
    requests: replies.length,
    ok: good,
    seconds: round(seconds),
    per_s: round(good / seconds, 1),
    latency: latencyOf(replies.map((r) => r.ms)),
    failures: tallyFailures(replies, ok),
  };
}

/** A task as the benches dispatch it: small, routed to the terminal lane. */
export function benchTask(label: string, botId?: string) {
  return {
    ...(botId ? { bot_id: botId } : {}),
    intent: 'code',
    title: `bench ${label}`,
    summary: `Benchmark task ${label}: write a hello world script and report what you did.`,
  };
}

export type DispatchRun = LoadRun & { server_cpu_ms_per_dispatch: number };

/**
 * POST /api/tasks/run for `seconds` at `concurrency`, with the server's CPU time per
 * dispatch, which a busy shared machine disturbs less than the rate does.
 */
export async function dispatchFor(
  server: ServerProcess,
  options: { seconds: number; concurrency: number; label: string; botId?: string },
): Promise<DispatchRun> {
  const cpuBefore = cpuMs(server.child.pid!);
  const run = await loadFor(options.seconds, options.concurrency, (i) =>
    postJson(`${server.url}/api/tasks/run`, benchTask(`${options.label}-${i}`, options.botId)),
  );
  return { ...run, server_cpu_ms_per_dispatch: round((cpuMs(server.child.pid!) - cpuBefore) / run.ok, 2) };
}

/**
 * What something costs dispatch, from runs without it, with it, and without it again: the
 * rate lost against the mean of the two runs without, the extra server CPU per dispatch,
 * and how far those two runs drifted apart (on a shared machine, the noise to beat).
 */
export function dispatchCost(before: DispatchRun, during: DispatchRun, after: DispatchRun) {
  const baseline = (before.per_s + after.per_s) / 2;
  const cpuBase = (before.server_cpu_ms_per_dispatch + after.server_cpu_ms_per_dispatch) / 2;
  return {
    baseline,
    overhead: round(1 - during.per_s / baseline, 3),
    drift: round(Math.abs(before.per_s - after.per_s) / baseline, 3),
    cpuBase,
    cpuOverhead: round(during.server_cpu_ms_per_dispatch / cpuBase - 1, 3),
  };
}

export const DISPATCH_COLUMNS = ['dispatches', 'tasks/s', 'p50 ms', 'p99 ms', 'server CPU ms/dispatch', 'failures'];

/** A row of a dispatch table (DISPATCH_COLUMNS), after the caller's own first cells. */
export const dispatchRow = (run: DispatchRun) => [
  run.ok,
  run.per_s,
  run.latency.p50_ms,
  run.latency.p99_ms,
  run.server_cpu_ms_per_dispatch,
  failuresText(run.failures),
];

export const RUN_MANY_BATCH = 1000;

/** How many of a run-many reply's results are dispatches. */
export function dispatchedIn(reply: Reply): number {
  const results = (reply.body as { results?: { status: string }[] } | null)?.results ?? [];
  return results.filter((r) => r.status === 'dispatched').length;
}

/**
 * Dispatches `total` tasks through POST /api/tasks/run-many, 1,000 per request, spread
 * over `bots` bots (`BOT-000`…); returns the tasks dispatched per second, durably (each
 * reply comes after its commit).
 */
export async function seedViaRunMany(
  url: string,
  total: number,
  options: { bots: number; concurrency?: number; label?: string },
): Promise<LoadRun & { tasks: number; tasks_per_s: number }> {
  const batches = Math.ceil(total / RUN_MANY_BATCH);
  const botId = (i: number) => `BOT-${String(i % options.bots).padStart(3, '0')}`;
  let dispatched = 0;
  const run = await loadCount(
    batches,
    options.concurrency ?? 1,
    async (b) => {
      const size = Math.min(RUN_MANY_BATCH, total - b * RUN_MANY_BATCH);
      const tasks = Array.from({ length: size }, (_, j) => {
        const i = b * RUN_MANY_BATCH + j;
        return benchTask(`${options.label ?? 'seed'}-${i}`, botId(i));
      });
      const reply = await postJson(`${url}/api/tasks/run-many`, { tasks }, 300_000);
      dispatched += dispatchedIn(reply);
      return reply;
    },
    (r) => r.status === 200 && dispatchedIn(r) === (r.body as { results: unknown[] }).results.length,
  );
  return { ...run, tasks: dispatched, tasks_per_s: round(dispatched / run.seconds, 1) };
}
