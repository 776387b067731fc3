/** Load benchmark of the task REST API (`npm run bench`); prints a table and writes bench-results/latest.json. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { access, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { failuresText, requestJson, tallyFailures, type Reply } from './lib/bench-http';
import { machineConditions, printTable, verdict } from './lib/bench-report';
import { writeResponse } from './lib/hive-files';
import { latencyOf, round, runPool, type Latency } from './lib/measure';
import { startServer } from './lib/server-process';

const PROJECT_ROOT = path.resolve(__dirname, '..');
const RESULTS_FILE = path.join(PROJECT_ROOT, 'bench-results', 'latest.json');
const NEXT_BIN = path.join(PROJECT_ROOT, 'node_modules', 'next', 'dist', 'bin', 'next');
const RUN_TAG = Date.now().toString(36);
const REQUEST_TIMEOUT_MS = 30_000;
const WAIT_TIMEOUT_SECONDS = 60;
type HttpResult = Reply;
const request = (url: string, init: RequestInit, timeoutMs = REQUEST_TIMEOUT_MS) => requestJson(url, init, timeoutMs);
const WAIT_REQUEST_TIMEOUT_MS = (WAIT_TIMEOUT_SECONDS + 30) * 1000;
// Pausing between phases keeps one phase's trailing work (archiving, file events) out of
// the next phase's numbers.
const SETTLE_MS = 2000;

const PLAN = {
  warmup: { requests: 100, concurrency: 8 },
  dispatch: [
    { concurrency: 1, requests: 300 },
    { concurrency: 8, requests: 2000 },
    { concurrency: 64, requests: 2000 },
  ],
  status: { hiveSizes: [100, 10_000], requests: 2000, concurrency: 8, seedConcurrency: 64, targetRatio: 1.5 },
  completion: { tasks: 200, concurrency: 20, targetP99Ms: 50 },
  underWaits: { requests: 1000, concurrency: 8, pendingWaits: 500 },
} as const;

// ---------------------------------------------------------------- target server

interface Target {
  url: string;
  root: string;
  external: boolean;
  /** Stops an owned server and returns what it logged ('' for an external one). */
  stop(): Promise<string>;
}

function externalTarget(): Target | null {
  const url = process.env.BENCH_URL;
  if (!url) return null;
  const root = process.env.BENCH_HIVE_ROOT;
  if (!root)
    throw new Error(
      'BENCH_URL needs BENCH_HIVE_ROOT (the HIVE_ROOT of that server) to write responses and check files.',
    );
  if (new URL(url).hostname !== '127.0.0.1') throw new Error(`BENCH_URL must point at 127.0.0.1, got ${url}`);
  return { url: url.replace(/\/+$/, ''), root: path.resolve(root), external: true, stop: () => Promise.resolve('') };
}

async function openTarget(): Promise<Target> {
  const external = externalTarget();
  if (external) return external;
  const server = await startServer();
  return {
    url: server.url,
    root: server.root,
    external: false,
    async stop() {
      await server.stop();
      // A run leaves some 15,000 files behind in each hive; nobody looks at them afterwards.
      await rm(server.root, { recursive: true, force: true });
      return server.output();
    },
  };
}

function ensureBuild(): void {
  if (process.env.BENCH_URL || existsSync(path.join(PROJECT_ROOT, '.next', 'BUILD_ID'))) return;
  console.log('No production build in .next/: running next build first.');
  const build = spawnSync(process.execPath, [NEXT_BIN, 'build'], {
    cwd: PROJECT_ROOT,
    stdio: 'inherit',
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
  });
  if (build.status !== 0) throw new Error(`next build failed (exit ${build.status})`);
}

// ---------------------------------------------------------------- HTTP

interface TaskRequest {
  task_id?: string;
  bot_id?: string;
  intent: string;
  title: string;
  summary: string;
  wait_for_response?: boolean;
  timeout_seconds?: number;
}

function taskBody(label: string, extra: Partial<TaskRequest> = {}): TaskRequest {
  return { intent: 'code', title: `bench ${label}`, summary: `Benchmark task ${label} of run ${RUN_TAG}.`, ...extra };
}

function postTask(target: Target, body: TaskRequest, timeoutMs = REQUEST_TIMEOUT_MS): Promise<HttpResult> {
  const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
  return request(`${target.url}/api/tasks/run`, init, timeoutMs);
}

function getStatus(target: Target, taskId: string): Promise<HttpResult> {
  return request(`${target.url}/api/tasks/status/${encodeURIComponent(taskId)}`, { method: 'GET' });
}

function getHealth(target: Target): Promise<HttpResult> {
  return request(`${target.url}/api/health`, { method: 'GET' });
}

interface Health {
  tasks: number;
  waiting: number;
}

async function readHealth(target: Target): Promise<Health> {
  const res = await getHealth(target);
  const body = res.body as Partial<Health> | null;
  if (res.status !== 200 || typeof body?.tasks !== 'number' || typeof body.waiting !== 'number') {
    throw new Error(`health check failed: ${res.status} ${res.error ?? JSON.stringify(res.body)}`);
  }
  return { tasks: body.tasks, waiting: body.waiting };
}

interface Dispatched {
  task_id: string;
  task_path: string;
  response?: { status: string };
}

function asDispatched(res: HttpResult): Dispatched | null {
  const body = res.body as Partial<Dispatched> | null;
  if (res.status !== 200 || typeof body?.task_id !== 'string' || typeof body.task_path !== 'string') return null;
  return body as Dispatched;
}

function mergeTallies(...tallies: Record<string, number>[]): Record<string, number> {
  const merged: Record<string, number> = {};
  for (const tally of tallies) for (const [kind, n] of Object.entries(tally)) merged[kind] = (merged[kind] ?? 0) + n;
  return merged;
}

// ---------------------------------------------------------------- measuring

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;
const settle = () => sleep(SETTLE_MS);

const hiveDir = (root: string, ...parts: string[]) => path.join(root, '.deia', 'hive', ...parts);

/** `20261125T114941693Z-TASK-1.json` → `TASK-1` (the stamp holds no '-'). */
const taskIdOfFile = (name: string) => name.slice(name.indexOf('-') + 1, -'.json'.length);

// ---------------------------------------------------------------- 1. dispatch

interface DispatchRun {
  concurrency: number;
  requests: number;
  ok: number;
  seconds: number;
  throughput_per_s: number;
  latency: Latency;
  duplicate_ids: number;
  missing_files: number;
  lost: number;
  failures: Record<string, number>;
}

async function dispatchMany(
  target: Target,
  requests: number,
  concurrency: number,
  label: string,
): Promise<HttpResult[]> {
  return runPool(requests, concurrency, (i) => postTask(target, taskBody(`${label}-${i}`)));
}

/** Lost = asked for, but no distinct task file on disk behind a 200. */
async function verifyDispatches(target: Target, results: HttpResult[]) {
  const accepted = results.map(asDispatched).filter((d): d is Dispatched => d !== null);
  const distinct = [...new Map(accepted.map((d) => [d.task_id, d])).values()];
  const onDisk = await runPool(distinct.length, 32, (i) =>
    access(path.join(target.root, distinct[i]!.task_path)).then(
      () => true,
      () => false,
    ),
  );
  const present = onDisk.filter(Boolean).length;
  return {
    ok: accepted.length,
    duplicate_ids: accepted.length - distinct.length,
    missing_files: distinct.length - present,
    lost: results.length - present,
    ids: distinct.map((d) => d.task_id),
  };
}

async function benchDispatch(
  target: Target,
  requests: number,
  concurrency: number,
  knownIds: string[],
): Promise<DispatchRun> {
  const started = performance.now();
  const results = await dispatchMany(target, requests, concurrency, `c${concurrency}`);
  const seconds = (performance.now() - started) / 1000;
  const { ids, ...verified } = await verifyDispatches(target, results);
  knownIds.push(...ids);
  return {
    concurrency,
    requests,
    ...verified,
    seconds: round(seconds),
    throughput_per_s: round(requests / seconds, 1),
    latency: latencyOf(results.map((r) => r.ms)),
    failures: tallyFailures(results, (r) => asDispatched(r) !== null),
  };
}

async function warmUp(target: Target, knownIds: string[]): Promise<void> {
  const { requests, concurrency } = PLAN.warmup;
  const results = await dispatchMany(target, requests, concurrency, 'warmup');
  const ids = results.map(asDispatched).flatMap((d) => (d ? [d.task_id] : []));
  knownIds.push(...ids);
  if (ids.length === 0)
    throw new Error(`warm-up dispatches all failed: ${JSON.stringify(tallyFailures(results, () => false))}`);
  await runPool(requests, concurrency, () => getStatus(target, pick(ids)));
}

// ---------------------------------------------------------------- 2. status vs hive size

interface StatusRun {
  hive_tasks: number;
  seeded: number;
  seed_throughput_per_s: number;
  seed_failures: Record<string, number>;
  latency: Latency;
  failures: Record<string, number>;
}

interface StatusScaling {
  runs: StatusRun[];
  p50_ratio: number;
  target_ratio: number;
}

const isTaskStatus = (res: HttpResult) => {
  const status = (res.body as { status?: unknown } | null)?.status;
  return res.status === 200 && typeof status === 'string' && status !== 'unreadable';
};

async function measureStatus(target: Target, ids: readonly string[], requests: number, concurrency: number) {
  const results = await runPool(requests, concurrency, () => getStatus(target, pick(ids)));
  return { latency: latencyOf(results.map((r) => r.ms)), failures: tallyFailures(results, isTaskStatus) };
}

/** Dispatches until the hive holds `size` tasks; the new ids join `knownIds`. */
async function seedHive(target: Target, size: number, knownIds: string[]) {
  const missing = Math.max(0, size - (await readHealth(target)).tasks);
  const started = performance.now();
  const results = await dispatchMany(target, missing, PLAN.status.seedConcurrency, `seed${size}`);
  const seconds = (performance.now() - started) / 1000;
  knownIds.push(...results.map(asDispatched).flatMap((d) => (d ? [d.task_id] : [])));
  return {
    seeded: missing,
    seed_throughput_per_s: missing > 0 ? round(missing / seconds, 1) : 0,
    seed_failures: tallyFailures(results, (r) => asDispatched(r) !== null),
  };
}

async function benchStatusScaling(target: Target, knownIds: string[]): Promise<StatusScaling> {
  const { hiveSizes, requests, concurrency, targetRatio } = PLAN.status;
  const runs: StatusRun[] = [];
  for (const size of hiveSizes) {
    const seeding = await seedHive(target, size, knownIds);
    if (knownIds.length === 0) throw new Error('no known task ids to ask the status of');
    await settle();
    const hive_tasks = (await readHealth(target)).tasks;
    runs.push({ hive_tasks, ...seeding, ...(await measureStatus(target, knownIds, requests, concurrency)) });
  }
  const first = runs[0]?.latency.p50_ms ?? NaN;
  const last = runs.at(-1)?.latency.p50_ms ?? NaN;
  return { runs, p50_ratio: round(last / first), target_ratio: targetRatio };
}

// ---------------------------------------------------------------- 3. completion latency

/** Watches one bot's task folder for the files of given task ids (`{stamp}-{task_id}.json`). */
class TaskFileWatcher {
  private readonly waiting = new Map<string, () => void>();
  private running = true;
  private readonly loop: Promise<void>;

  constructor(private readonly dir: string) {
    this.loop = this.poll();
  }

  appeared(taskId: string): Promise<void> {
    return new Promise((resolve) => this.waiting.set(taskId, resolve));
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    this.waiting.clear();
  }

  private async poll(): Promise<void> {
    while (this.running) {
      if (this.waiting.size > 0) {
        for (const name of await readdir(this.dir).catch(() => [])) {
          const taskId = taskIdOfFile(name);
          this.waiting.get(taskId)?.();
          this.waiting.delete(taskId);
        }
      }
      await sleep(1);
    }
  }
}

/** What a bee does when it finishes: publish the response whole, via tmp/ and a rename. */
function respondAsBee(root: string, botId: string, taskId: string): Promise<void> {
  return writeResponse(root, `${botId}-RESPONSE-${taskId}.md`, `# Response\n\nBenchmark response for ${taskId}.\n`);
}

type WaitOutcome = 'completed' | 'timeout' | 'failed';

function waitOutcome(res: HttpResult): WaitOutcome {
  const status = asDispatched(res)?.response?.status;
  return status === 'completed' || status === 'timeout' ? status : 'failed';
}

function waitingTask(botId: string, taskId: string): TaskRequest {
  return taskBody(taskId, {
    task_id: taskId,
    bot_id: botId,
    wait_for_response: true,
    timeout_seconds: WAIT_TIMEOUT_SECONDS,
  });
}

interface CompletionRun {
  tasks: number;
  concurrency: number;
  completed: number;
  timeout: number;
  failed: number;
  /** Completed tasks whose file the server moved to `archive/{bot}/`. */
  archived: number;
  latency: Latency;
  target_p99_ms: number;
  failures: Record<string, number>;
}

/** Dispatch-and-wait, answer as soon as the task file shows, time response-written → reply. */
async function completeOne(target: Target, watcher: TaskFileWatcher, botId: string, taskId: string) {
  const reply = postTask(target, waitingTask(botId, taskId), WAIT_REQUEST_TIMEOUT_MS);
  const fileShowed = await Promise.race([watcher.appeared(taskId).then(() => true), reply.then(() => false)]);
  if (!fileShowed) return { res: await reply, ms: null };
  const t0 = performance.now();
  await respondAsBee(target.root, botId, taskId);
  const res = await reply;
  return { res, ms: performance.now() - t0 };
}

async function benchCompletion(target: Target): Promise<CompletionRun> {
  const { tasks, concurrency, targetP99Ms } = PLAN.completion;
  // A bot of its own keeps the polled folder small however many tasks the hive holds.
  const botId = `BENCH-${RUN_TAG}-done`;
  const watcher = new TaskFileWatcher(hiveDir(target.root, 'tasks', botId));
  let runs: Awaited<ReturnType<typeof completeOne>>[];
  try {
    runs = await runPool(tasks, concurrency, (i) => completeOne(target, watcher, botId, `${botId}-${i}`));
  } finally {
    await watcher.stop();
  }
  const outcomes = runs.map((r) => waitOutcome(r.res));
  const completedMs = runs.flatMap((r, i) => (outcomes[i] === 'completed' && r.ms !== null ? [r.ms] : []));
  const completedIds = runs.flatMap((_, i) => (outcomes[i] === 'completed' ? [`${botId}-${i}`] : []));
  return {
    tasks,
    concurrency,
    archived: await countArchived(target.root, botId, completedIds),
    completed: outcomes.filter((o) => o === 'completed').length,
    timeout: outcomes.filter((o) => o === 'timeout').length,
    failed: outcomes.filter((o) => o === 'failed').length,
    latency: latencyOf(completedMs),
    target_p99_ms: targetP99Ms,
    failures: tallyFailures(
      runs.map((r) => r.res),
      (r) => waitOutcome(r) !== 'failed',
    ),
  };
}

/** How many of the ids have their file in `archive/{bot}/`, allowing the server 5 s to move them. */
async function countArchived(root: string, botId: string, taskIds: string[]): Promise<number> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const archived = new Set((await readdir(hiveDir(root, 'archive', botId)).catch(() => [])).map(taskIdOfFile));
    const count = taskIds.filter((id) => archived.has(id)).length;
    if (count === taskIds.length || Date.now() > deadline) return count;
    await sleep(50);
  }
}

// ---------------------------------------------------------------- 4. other requests under pending waits

interface LightRequests {
  pending_waits: number;
  health: Latency;
  status: Latency;
  failures: Record<string, number>;
}

interface UnderWaits {
  idle: LightRequests;
  loaded: LightRequests;
  held: number;
  release: { completed: number; timeout: number; failed: number; seconds_to_release_all: number };
}

async function measureLightRequests(target: Target, statusIds: readonly string[]): Promise<LightRequests> {
  const { requests, concurrency } = PLAN.underWaits;
  const pending_waits = (await readHealth(target)).waiting;
  const health = await runPool(requests, concurrency, () => getHealth(target));
  const status = await runPool(requests, concurrency, () => getStatus(target, pick(statusIds)));
  return {
    pending_waits,
    health: latencyOf(health.map((r) => r.ms)),
    status: latencyOf(status.map((r) => r.ms)),
    failures: mergeTallies(
      tallyFailures(health, (r) => r.status === 200),
      tallyFailures(status, isTaskStatus),
    ),
  };
}

/** Starts `count` waits nobody answers yet, and returns once the server counts them all (or 30 s passed). */
async function holdWaits(target: Target, botId: string, count: number) {
  const baseline = (await readHealth(target)).waiting;
  const ids = Array.from({ length: count }, (_, i) => `${botId}-${i}`);
  const replies = ids.map((id) => postTask(target, waitingTask(botId, id), WAIT_REQUEST_TIMEOUT_MS));
  let settledEarly = 0;
  for (const reply of replies) void reply.then(() => settledEarly++);
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && settledEarly === 0) {
    if ((await readHealth(target)).waiting >= baseline + count) break;
    await sleep(50);
  }
  return { ids, replies, held: (await readHealth(target)).waiting - baseline };
}

async function releaseWaits(target: Target, botId: string, ids: string[], replies: Promise<HttpResult>[]) {
  const started = performance.now();
  await runPool(ids.length, 32, (i) => respondAsBee(target.root, botId, ids[i]!));
  const outcomes = (await Promise.all(replies)).map(waitOutcome);
  return {
    completed: outcomes.filter((o) => o === 'completed').length,
    timeout: outcomes.filter((o) => o === 'timeout').length,
    failed: outcomes.filter((o) => o === 'failed').length,
    seconds_to_release_all: round((performance.now() - started) / 1000),
  };
}

async function benchUnderWaits(target: Target, statusIds: readonly string[]): Promise<UnderWaits> {
  const idle = await measureLightRequests(target, statusIds);
  const botId = `BENCH-${RUN_TAG}-hold`;
  const { ids, replies, held } = await holdWaits(target, botId, PLAN.underWaits.pendingWaits);
  let loaded: LightRequests;
  let release: UnderWaits['release'];
  try {
    loaded = await measureLightRequests(target, statusIds);
  } finally {
    // Answer every held wait, so neither the server nor this process is left waiting.
    release = await releaseWaits(target, botId, ids, replies);
  }
  return { idle, loaded, held, release };
}

// ---------------------------------------------------------------- report

interface Results {
  generated_at: string;
  machine: ReturnType<typeof machineConditions>;
  target: { url: string; external: boolean };
  dispatch: DispatchRun[];
  status_scaling: StatusScaling;
  completion: CompletionRun;
  under_waits: UnderWaits;
  server_log_problems: string[];
}

function printReport(r: Results): void {
  console.log(
    `\nHive Control bench, ${r.generated_at}, node ${r.machine.node}, ${r.machine.cpus} CPUs, ${r.target.url}`,
  );
  printTable(
    '1. Dispatch (POST /api/tasks/run)',
    ['conc', 'requests', '200s', 'tasks/s', 'p50 ms', 'p99 ms', 'max ms', 'dup ids', 'no file', 'lost', 'failures'],
    r.dispatch.map((d) => [
      d.concurrency,
      d.requests,
      d.ok,
      d.throughput_per_s,
      d.latency.p50_ms,
      d.latency.p99_ms,
      d.latency.max_ms,
      d.duplicate_ids,
      d.missing_files,
      d.lost,
      failuresText(d.failures),
    ]),
  );

  const s = r.status_scaling;
  printTable(
    `2. Status (GET /api/tasks/status/{id}), ${PLAN.status.requests} requests at c=${PLAN.status.concurrency}`,
    ['hive tasks', 'seeded', 'seed tasks/s', 'p50 ms', 'p99 ms', 'max ms', 'failures'],
    s.runs.map((run) => [
      run.hive_tasks,
      run.seeded,
      run.seed_throughput_per_s,
      run.latency.p50_ms,
      run.latency.p99_ms,
      run.latency.max_ms,
      failuresText(mergeTallies(run.seed_failures, run.failures)),
    ]),
  );
  console.log(
    `p50 ratio largest/smallest hive: ${s.p50_ratio} (target <= ${s.target_ratio}: ${verdict(s.p50_ratio <= s.target_ratio)})`,
  );

  const c = r.completion;
  printTable(
    `3. Completion (response file written -> waiting reply), ${c.tasks} tasks, ${c.concurrency} waiting at once`,
    ['completed', 'timeout', 'failed', 'archived', 'p50 ms', 'p99 ms', 'max ms', 'failures'],
    [
      [
        c.completed,
        c.timeout,
        c.failed,
        c.archived,
        c.latency.p50_ms,
        c.latency.p99_ms,
        c.latency.max_ms,
        failuresText(c.failures),
      ],
    ],
  );
  console.log(`p99 target < ${c.target_p99_ms} ms: ${verdict(c.latency.p99_ms < c.target_p99_ms)}`);

  const w = r.under_waits;
  printTable(
    `4. Health and status under pending waits, ${PLAN.underWaits.requests} requests each at c=${PLAN.underWaits.concurrency}`,
    ['pending waits', 'health p50', 'health p99', 'status p50', 'status p99', 'failures'],
    [w.idle, w.loaded].map((m) => [
      m.pending_waits,
      m.health.p50_ms,
      m.health.p99_ms,
      m.status.p50_ms,
      m.status.p99_ms,
      failuresText(m.failures),
    ]),
  );
  console.log(
    `held ${w.held}/${PLAN.underWaits.pendingWaits} waits; on release: ${w.release.completed} completed, ` +
      `${w.release.timeout} timeout, ${w.release.failed} failed, all back in ${w.release.seconds_to_release_all} s`,
  );

  if (r.server_log_problems.length > 0) {
    console.log(`\nServer log lines that look like problems (${r.server_log_problems.length}, first 10):`);
    for (const line of r.server_log_problems.slice(0, 10)) console.log(`  ${line}`);
  }
  console.log(`\nJSON: ${path.relative(process.cwd(), RESULTS_FILE)}`);
}

function logProblems(output: string): string[] {
  return output.split('\n').filter((line) => /error|warn|fail|exception/i.test(line));
}

/** Its fields merged into bench-results/latest.json, keeping the other benches' sections. */
async function writeResults(results: Results): Promise<void> {
  const previous = await readFile(RESULTS_FILE, 'utf8').then(
    (text) => JSON.parse(text) as Record<string, unknown>,
    () => ({}),
  );
  await mkdir(path.dirname(RESULTS_FILE), { recursive: true });
  await writeFile(RESULTS_FILE, `${JSON.stringify({ ...previous, ...results }, null, 2)}\n`);
}

// ---------------------------------------------------------------- main

async function withTarget<T>(logs: string[], section: (target: Target) => Promise<T>): Promise<T> {
  const target = await openTarget();
  try {
    return await section(target);
  } finally {
    logs.push(...logProblems(await target.stop()));
  }
}

async function main(): Promise<void> {
  ensureBuild();
  const logs: string[] = [];
  const step = (name: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${name}`);

  const knownIds: string[] = [];
  const primary = await withTarget(logs, async (target) => {
    step(`warm-up against ${target.url} (HIVE_ROOT ${target.root})`);
    await warmUp(target, knownIds);
    const dispatch: DispatchRun[] = [];
    for (const { requests, concurrency } of PLAN.dispatch) {
      await settle();
      step(`dispatch: ${requests} requests at c=${concurrency}`);
      dispatch.push(await benchDispatch(target, requests, concurrency, knownIds));
    }
    await settle();
    step('completion latency');
    const completion = await benchCompletion(target);
    await settle();
    step('health and status with and without pending waits');
    const under_waits = await benchUnderWaits(target, knownIds);
    return { target: { url: target.url, external: target.external }, dispatch, completion, under_waits };
  });

  // A hive of its own, so "100 tasks" really means 100; an external server already holds the tasks above.
  const status_scaling = await withTarget(logs, (target) => {
    step('status latency vs hive size');
    return benchStatusScaling(target, target.external ? knownIds : []);
  });

  const results: Results = {
    generated_at: new Date().toISOString(),
    machine: machineConditions(),
    ...primary,
    status_scaling,
    server_log_problems: logs,
  };
  printReport(results);
  await writeResults(results);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
