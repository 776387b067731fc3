/**
 * The two stores side by side (`npm run bench -- stores`): the embedded hive (files + SQLite
 * under HIVE_ROOT) and PostgreSQL (HIVE_DATABASE_URL, a fresh database of a throwaway
 * cluster), each behind the real production server, measured the same way over HTTP:
 *
 * 1. POST /api/tasks/run throughput and latency at 1, 8 and 64 in flight;
 * 2. completion: dispatch with wait_for_response → a bee over HTTP (long-polling claim, then
 *    POST …/response) → the dispatcher's reply, one task at a time;
 * 3. with 100,000 tasks in the hive (filled through run-many): GET /api/tasks/status/{id}
 *    and tRPC tasks.list (first page, a bot filter, an id-prefix search, a deep cursor).
 *
 * PostgreSQL only: two servers on one database, a client on each one's live stream
 * (tRPC hive.live over SSE), dispatches on A one at a time: dispatch sent → task_dispatched
 * arrives on A and on B (target p99 < 50 ms on B); and dispatch at c=64 with one server,
 * with two (requests round-robin), and with one again. The file store's own live latency is
 * measured beside it for reference.
 *
 * Each figure carries the 1-minute load average as it was measured. Sizes: BENCH_STORES_*.
 */
import { performance } from 'node:perf_hooks';
import type { Claimed } from '../../server/contracts/bee-protocol';
import { machineConditions, printTable, recordResults, step, verdict } from '../lib/bench-report';
import {
  benchTask,
  dispatchedIn,
  failuresText,
  loadCount,
  loadFor,
  postJson,
  requestJson,
  RUN_MANY_BATCH,
  tallyFailures,
  type LoadRun,
  type Reply,
} from '../lib/bench-http';
import { ClaimLoops } from '../lib/http-bees';
import { latencyOf, round, type Latency } from '../lib/measure';
import { createTestDatabase } from '../lib/postgres';
import { cpuMs } from '../lib/process-stats';
import type { ServerProcess } from '../lib/server-process';
import {
  backendCpu,
  backendCpuSince,
  cleanUp,
  FailureBodies,
  LiveStream,
  load1m,
  onCleanup,
  printFailureBodies,
  startOwnedServer,
} from './stores-kit';

const num = (name: string, fallback: number) => Number(process.env[`BENCH_STORES_${name}`] ?? fallback);
const SIZES = {
  /** Seconds of each dispatch run. */
  seconds: num('SECONDS', 5),
  concurrency: [1, 8, 64],
  completions: num('COMPLETIONS', 200),
  /** Bees long-polling the completion bot. */
  bees: num('BEES', 4),
  hiveTasks: num('TASKS', 100_000),
  seedConcurrency: num('SEED_CONCURRENCY', 2),
  statusRequests: num('STATUS_REQUESTS', 1000),
  listSamples: num('LIST_SAMPLES', 200),
  liveDispatches: num('LIVE', 300),
  settleMs: num('SETTLE_MS', 1000),
};
const LIVE_TARGET_P99_MS = 50;
const TWO_SERVER_CONCURRENCY = 64;
const LOAD_BOT = 'BOT-LOAD';
const DONE_BOT = 'BOT-DONE';
const LIVE_BOT = 'BOT-LIVE';
const SEED_BOTS = 10;
const RUN = Date.now().toString(36);

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const settle = () => sleep(SIZES.settleMs);

type Store = 'file' | 'postgres';
interface Db {
  name: string;
}

// ---------------------------------------------------------------- dispatch

interface DispatchLoad extends LoadRun {
  concurrency: number;
  servers: number;
  server_cpu_ms_per_dispatch: number;
  /** CPU of the database's backends (PostgreSQL only). */
  db_cpu_ms_per_dispatch: number | null;
  load_1m: number;
  failure_bodies: Record<string, string>;
}

/** POST /api/tasks/run for SIZES.seconds at `concurrency`, round-robin over `servers`. */
async function dispatchLoad(
  servers: ServerProcess[],
  concurrency: number,
  label: string,
  db: Db | null,
  seconds = SIZES.seconds,
): Promise<DispatchLoad> {
  const serverCpu = () => servers.reduce((ms, s) => ms + cpuMs(s.child.pid!), 0);
  const cpuBefore = serverCpu();
  const dbBefore = db ? backendCpu(db.name) : null;
  const bodies = new FailureBodies();
  const run = await loadFor(seconds, concurrency, async (i) => {
    const server = servers[i % servers.length]!;
    const reply = await postJson(`${server.url}/api/tasks/run`, benchTask(`${label}-${i}`, LOAD_BOT));
    bodies.note(reply, reply.status === 200);
    return reply;
  });
  const per = (ms: number) => round(ms / Math.max(1, run.ok), 2);
  return {
    ...run,
    concurrency,
    servers: servers.length,
    server_cpu_ms_per_dispatch: per(serverCpu() - cpuBefore),
    db_cpu_ms_per_dispatch: db && dbBefore ? per(backendCpuSince(db.name, dbBefore)) : null,
    load_1m: load1m(),
    failure_bodies: bodies.first,
  };
}

// ---------------------------------------------------------------- completion

interface Completion {
  tasks: number;
  completed: number;
  /** Dispatch sent → the dispatcher's wait_for_response reply. */
  total: Latency;
  /** Dispatch sent → the claim reply at a bee. */
  to_bee: Latency;
  /** The bee's POST …/response sent → the dispatcher's reply. */
  answer_to_reply: Latency;
  load_1m: number;
  failures: Record<string, number>;
  failure_bodies: Record<string, string>;
}

/** Dispatch-and-wait one task at a time; SIZES.bees long-polling bees answer each the moment they claim it. */
async function completion(server: ServerProcess, count: number, label: string): Promise<Completion> {
  const claimed = new Map<string, { at: number; answered: number }>();
  const bodies = new FailureBodies();
  const answers: Reply[] = [];
  const bees = new ClaimLoops(server.url, (task: Claimed, at) => {
    const answered = performance.now();
    claimed.set(task.task_id, { at, answered });
    void postJson(`${server.url}/api/tasks/${encodeURIComponent(task.task_id)}/response`, {
      lease_token: task.lease_token,
      content: `# Done\n\n${task.task_id}\n`,
    }).then((reply) => {
      answers.push(reply);
      bodies.note(reply, reply.status === 200);
    });
  });
  for (let i = 0; i < SIZES.bees; i++) bees.start(`${label}-bee-${i}`, [DONE_BOT], 25);
  await sleep(500); // every bee past its first look at the inbox, waiting

  const samples = { total: [] as number[], toBee: [] as number[], answerToReply: [] as number[] };
  const completedOk = (r: Reply) =>
    r.status === 200 && (r.body as { response?: { status?: string } } | null)?.response?.status === 'completed';
  let run: LoadRun;
  try {
    run = await loadCount(
      count,
      1,
      async (i) => {
        const taskId = `${label}-${RUN}-${i}`;
        const started = performance.now();
        const reply = await postJson(
          `${server.url}/api/tasks/run`,
          { ...benchTask(taskId, DONE_BOT), task_id: taskId, wait_for_response: true, timeout_seconds: 30 },
          40_000,
        );
        const ended = performance.now();
        bodies.note(reply, completedOk(reply));
        const bee = claimed.get(taskId);
        if (completedOk(reply) && bee) {
          samples.total.push(ended - started);
          samples.toBee.push(bee.at - started);
          samples.answerToReply.push(ended - bee.answered);
        }
        claimed.delete(taskId);
        return reply;
      },
      completedOk,
    );
  } finally {
    await bees.stop();
  }
  for (const failed of bees.failed) bodies.note(failed, false);
  return {
    tasks: count,
    completed: run.ok,
    total: latencyOf(samples.total),
    to_bee: latencyOf(samples.toBee),
    answer_to_reply: latencyOf(samples.answerToReply),
    load_1m: load1m(),
    failures: {
      ...run.failures,
      ...tallyFailures([...answers, ...bees.failed], (r) => r.status === 200),
    },
    failure_bodies: bodies.first,
  };
}

// ---------------------------------------------------------------- a big hive: status and list

/** Task i of the seeded hive. */
const seedId = (i: number) => `S-${RUN}-${i}`;

interface Seeding {
  tasks: number;
  seconds: number;
  tasks_per_s: number;
  requests: number;
  failures: Record<string, number>;
  failure_bodies: Record<string, string>;
  /** Until the server's CPU went quiet and a list answered (PostgreSQL: the mirror caught up). */
  settle_seconds: number;
  load_1m: number;
}

/** Fills the hive with `total` tasks (ids seedId(i)) through run-many, 1,000 per request. */
async function seedHive(server: ServerProcess, total: number): Promise<Seeding> {
  const bodies = new FailureBodies();
  let dispatched = 0;
  const allDispatched = (r: Reply) =>
    r.status === 200 && dispatchedIn(r) === ((r.body as { results?: unknown[] }).results?.length ?? -1);
  const run = await loadCount(
    Math.ceil(total / RUN_MANY_BATCH),
    SIZES.seedConcurrency,
    async (b) => {
      const size = Math.min(RUN_MANY_BATCH, total - b * RUN_MANY_BATCH);
      const tasks = Array.from({ length: size }, (_, j) => {
        const i = b * RUN_MANY_BATCH + j;
        return { ...benchTask(`seed-${i}`, `BOT-${String(i % SEED_BOTS).padStart(3, '0')}`), task_id: seedId(i) };
      });
      const reply = await postJson(`${server.url}/api/tasks/run-many`, { tasks }, 300_000);
      dispatched += dispatchedIn(reply);
      if (!allDispatched(reply)) {
        const firstError = (reply.body as { results?: { status: string }[] } | null)?.results?.find(
          (r) => r.status !== 'dispatched',
        );
        bodies.note(firstError ? { ...reply, body: firstError } : reply, false);
      }
      return reply;
    },
    allDispatched,
  );
  const settleStarted = performance.now();
  await quiet(server);
  return {
    tasks: dispatched,
    seconds: run.seconds,
    tasks_per_s: round(dispatched / run.seconds, 1),
    requests: run.requests,
    failures: run.failures,
    failure_bodies: bodies.first,
    settle_seconds: round((performance.now() - settleStarted) / 1000, 1),
    load_1m: load1m(),
  };
}

/** Waits (at most 60 s) until a list answers and the server uses under 5% of a CPU. */
async function quiet(server: ServerProcess): Promise<void> {
  await requestJson(listUrl(server, { limit: 1 }), {}, 60_000);
  for (const deadline = performance.now() + 60_000; performance.now() < deadline;) {
    const before = cpuMs(server.child.pid!);
    await sleep(1000);
    if (cpuMs(server.child.pid!) - before < 50) return;
  }
}

const listUrl = (server: ServerProcess, input: object) =>
  `${server.url}/api/trpc/tasks.list?input=${encodeURIComponent(JSON.stringify(input))}`;

interface ReadRun {
  what: string;
  concurrency: number;
  requests: number;
  ok: number;
  latency: Latency;
  load_1m: number;
  failures: Record<string, number>;
  failure_bodies: Record<string, string>;
}

async function reads(
  what: string,
  requests: number,
  concurrency: number,
  url: (i: number) => string,
  ok: (r: Reply) => boolean,
): Promise<ReadRun> {
  const bodies = new FailureBodies();
  const run = await loadCount(
    requests,
    concurrency,
    async (i) => {
      const reply = await requestJson(url(i), {}, 30_000);
      bodies.note(reply, ok(reply));
      return reply;
    },
    ok,
  );
  return {
    what,
    concurrency,
    requests,
    ok: run.ok,
    latency: run.latency,
    load_1m: load1m(),
    failures: run.failures,
    failure_bodies: bodies.first,
  };
}

interface BigHive {
  seeding: Seeding;
  hive_tasks_reported: number | null;
  reads: ReadRun[];
}

async function bigHive(server: ServerProcess): Promise<BigHive> {
  step(`filling the hive to ${SIZES.hiveTasks} tasks through run-many (${SIZES.seedConcurrency} requests at once)`);
  const seeding = await seedHive(server, SIZES.hiveTasks);
  step(`seeded ${seeding.tasks} at ${seeding.tasks_per_s} tasks/s; quiet after ${seeding.settle_seconds} s more`);
  const health = await requestJson(`${server.url}/api/health`);
  const hiveTasks = (health.body as { tasks?: number } | null)?.tasks ?? null;

  const isStatus = (r: Reply) => {
    const status = (r.body as { status?: unknown } | null)?.status;
    return r.status === 200 && typeof status === 'string' && status !== 'unreadable';
  };
  const isList = (r: Reply) =>
    r.status === 200 &&
    Array.isArray((r.body as { result?: { data?: { items?: unknown } } } | null)?.result?.data?.items);
  const pick = () => seedId(Math.floor(Math.random() * SIZES.hiveTasks));
  const statusUrl = () => `${server.url}/api/tasks/status/${pick()}`;
  const first = await requestJson(listUrl(server, { limit: 1 }));
  const newest = (first.body as { result?: { data?: { items?: { seq: number }[] } } } | null)?.result?.data?.items?.[0]
    ?.seq;
  const middle = Math.max(1, (newest ?? 1) - Math.floor(SIZES.hiveTasks / 2));

  await reads(
    'warm-up',
    100,
    4,
    (i) => (i % 2 ? statusUrl() : listUrl(server, {})),
    () => true,
  );
  const runs: ReadRun[] = [];
  const { statusRequests: n, listSamples: m } = SIZES;
  step(`status: ${n} requests at c=1 and at c=8`);
  runs.push(await reads('status GET /api/tasks/status/{id}', n, 1, statusUrl, isStatus));
  runs.push(await reads('status GET /api/tasks/status/{id}', n, 8, statusUrl, isStatus));
  step(`tasks.list: ${m} calls each of 4 queries at c=1`);
  const cases: [string, object][] = [
    ['list first page (50)', {}],
    ['list bot_id=BOT-003', { bot_id: 'BOT-003' }],
    [`list search id prefix "${seedId(4242)}"`, { search: seedId(4242) }],
    ['list deep cursor (middle)', { cursor: middle }],
  ];
  for (const [what, input] of cases) runs.push(await reads(what, m, 1, () => listUrl(server, input), isList));
  return { seeding, hive_tasks_reported: hiveTasks, reads: runs };
}

// ---------------------------------------------------------------- live stream

interface LiveRun {
  on: string;
  dispatches: number;
  received: number;
  latency: Latency;
  /** Arrival here minus arrival on the first stream, dispatch by dispatch (the propagation between servers). */
  after_first: Latency | null;
  events: number;
  stream_ended: string | null;
}

interface Live {
  dispatches: number;
  dispatch_reply: Latency;
  streams: LiveRun[];
  load_1m: number;
  failure_bodies: Record<string, string>;
}

/** Dispatches on `on` one at a time; times dispatch sent → its task_dispatched on each stream. */
async function liveLatency(on: ServerProcess, watched: { name: string; server: ServerProcess }[], count: number) {
  const streams = watched.map(({ name, server }) => ({
    name,
    stream: new LiveStream(server.url),
    ms: [] as number[],
    afterFirst: [] as number[],
  }));
  await Promise.all(streams.map((s) => s.stream.connected));
  await sleep(200);
  const bodies = new FailureBodies();
  const replyMs: number[] = [];
  for (let i = 0; i < count; i++) {
    const taskId = `L-${RUN}-${i}`;
    const arrivals = streams.map((s) => s.stream.dispatched(taskId, 5000));
    const started = performance.now();
    const reply = await postJson(`${on.url}/api/tasks/run`, { ...benchTask(taskId, LIVE_BOT), task_id: taskId });
    replyMs.push(reply.ms);
    bodies.note(reply, reply.status === 200);
    const at = await Promise.all(arrivals);
    at.forEach((when, s) => {
      if (when === null) return;
      streams[s]!.ms.push(when - started);
      if (at[0] != null) streams[s]!.afterFirst.push(when - at[0]);
    });
    await sleep(10);
  }
  const ended = await Promise.all(
    streams.map(async (s) => {
      const early = await Promise.race([s.stream.ended, sleep(0).then(() => null)]);
      await s.stream.close();
      return early;
    }),
  );
  return {
    dispatches: count,
    dispatch_reply: latencyOf(replyMs),
    streams: streams.map((s, i) => ({
      on: s.name,
      dispatches: count,
      received: s.ms.length,
      latency: latencyOf(s.ms),
      after_first: i > 0 ? latencyOf(s.afterFirst) : null,
      events: s.stream.events,
      stream_ended: ended[i] ?? null,
    })),
    load_1m: load1m(),
    failure_bodies: bodies.first,
  } satisfies Live;
}

// ---------------------------------------------------------------- each store

interface StoreResults {
  store: Store;
  dispatch: DispatchLoad[];
  completion: Completion;
  live: Live;
  big_hive: BigHive;
  /** PostgreSQL only: c=64 with one server, two (round-robin), one again. */
  servers?: DispatchLoad[];
  server_log_problems: string[];
}

async function commonFigures(server: ServerProcess, store: Store, db: Db | null) {
  step(`${store}: warm-up (2 s of dispatch at c=8, 20 completions)`);
  await dispatchLoad([server], 8, `${store}-warm`, db, 2);
  await completion(server, 20, `${store}-warm`);
  const dispatch: DispatchLoad[] = [];
  for (const c of SIZES.concurrency) {
    await settle();
    step(`${store}: dispatch for ${SIZES.seconds} s at c=${c}`);
    dispatch.push(await dispatchLoad([server], c, `${store}-c${c}`, db));
  }
  await settle();
  step(`${store}: ${SIZES.completions} completions through ${SIZES.bees} HTTP bees, one at a time`);
  const done = await completion(server, SIZES.completions, `${store}-done`);
  return { dispatch, completion: done };
}

async function fileStore(): Promise<StoreResults> {
  const server = await startOwnedServer();
  step(`file store: server at ${server.url}, HIVE_ROOT ${server.root}`);
  const common = await commonFigures(server, 'file', null);
  await settle();
  step(`file: live stream, ${SIZES.liveDispatches} dispatches one at a time (same server, for reference)`);
  const live = await liveLatency(server, [{ name: 'same server', server }], SIZES.liveDispatches);
  await settle();
  const big = await bigHive(server);
  await server.stop();
  return { store: 'file', ...common, live, big_hive: big, server_log_problems: server.logs };
}

async function postgresStore(): Promise<StoreResults> {
  step('postgres: creating a database (starting the throwaway cluster if needed)');
  const db = await createTestDatabase('bench stores');
  onCleanup(() => db.drop());
  const env = { HIVE_DATABASE_URL: db.url };
  const a = await startOwnedServer({ env });
  step(`postgres: server A at ${a.url}, database ${db.name}`);
  const common = await commonFigures(a, 'postgres', db);

  const c = TWO_SERVER_CONCURRENCY;
  const servers: DispatchLoad[] = [];
  await settle();
  step(`postgres: dispatch for ${SIZES.seconds} s at c=${c}, one server`);
  servers.push(await dispatchLoad([a], c, 'pg-one', db));
  const b = await startOwnedServer({ env });
  step(`postgres: server B at ${b.url} on the same database`);
  await settle();
  step(`postgres: live streams on A and B, ${SIZES.liveDispatches} dispatches on A one at a time`);
  const live = await liveLatency(
    a,
    [
      { name: 'same server (A)', server: a },
      { name: 'other server (B)', server: b },
    ],
    SIZES.liveDispatches,
  );
  await settle();
  step(`postgres: dispatch for ${SIZES.seconds} s at c=${c}, two servers round-robin`);
  servers.push(await dispatchLoad([a, b], c, 'pg-two', db));
  await b.stop();
  await settle();
  step(`postgres: dispatch for ${SIZES.seconds} s at c=${c}, one server again`);
  servers.push(await dispatchLoad([a], c, 'pg-one-again', db));
  await settle();
  const big = await bigHive(a);
  await a.stop();
  return {
    store: 'postgres',
    ...common,
    live,
    big_hive: big,
    servers,
    server_log_problems: [...a.logs.map((l) => `A: ${l}`), ...b.logs.map((l) => `B: ${l}`)],
  };
}

// ---------------------------------------------------------------- report

function printAll(file: StoreResults, pg: StoreResults): void {
  const both = [file, pg];
  const fail = (f: Record<string, number>) => failuresText(f);
  printTable(
    `1. Dispatch (POST /api/tasks/run, ${SIZES.seconds} s each, no bees)`,
    [
      'conc',
      'store',
      'tasks/s',
      'p50 ms',
      'p99 ms',
      'max ms',
      'server CPU ms/task',
      'db CPU ms/task',
      'load',
      'failures',
    ],
    SIZES.concurrency.flatMap((_, i) =>
      both.map((s) => {
        const d = s.dispatch[i]!;
        return [
          d.concurrency,
          s.store,
          d.per_s,
          d.latency.p50_ms,
          d.latency.p99_ms,
          d.latency.max_ms,
          d.server_cpu_ms_per_dispatch,
          d.db_cpu_ms_per_dispatch ?? '-',
          d.load_1m,
          fail(d.failures),
        ];
      }),
    ),
  );
  for (const s of both) for (const d of s.dispatch) printFailureBodies(d.failure_bodies, s.store);

  printTable(
    `2. Completion: dispatch (wait_for_response) → HTTP bee claims → POST response → the dispatcher's reply; ${SIZES.completions} tasks one at a time, ${SIZES.bees} bees`,
    [
      'store',
      'completed',
      'total p50',
      'total p99',
      'to bee p50',
      'to bee p99',
      'answer→reply p50',
      'answer→reply p99',
      'load',
      'failures',
    ],
    both.map(({ store, completion: c }) => [
      store,
      `${c.completed}/${c.tasks}`,
      c.total.p50_ms,
      c.total.p99_ms,
      c.to_bee.p50_ms,
      c.to_bee.p99_ms,
      c.answer_to_reply.p50_ms,
      c.answer_to_reply.p99_ms,
      c.load_1m,
      fail(c.failures),
    ]),
  );
  for (const s of both) printFailureBodies(s.completion.failure_bodies, s.store);

  printTable(
    `3. Reads with ${SIZES.hiveTasks} tasks in the hive (filled through run-many, ${SIZES.seedConcurrency} requests of 1,000 at once)`,
    ['store', 'seeded', 'seed tasks/s', 'quiet after s', '/api/health tasks', 'load', 'failures'],
    both.map(({ store, big_hive: h }) => [
      store,
      h.seeding.tasks,
      h.seeding.tasks_per_s,
      h.seeding.settle_seconds,
      h.hive_tasks_reported ?? '?',
      h.seeding.load_1m,
      fail(h.seeding.failures),
    ]),
  );
  for (const s of both) printFailureBodies(s.big_hive.seeding.failure_bodies, s.store);
  printTable(
    `Status and tasks.list (GET /api/trpc/tasks.list?input=…) with those tasks in the hive`,
    ['read', 'conc', 'store', 'requests', 'p50 ms', 'p99 ms', 'max ms', 'load', 'failures'],
    file.big_hive.reads.flatMap((_, i) =>
      both.map((s) => {
        const r = s.big_hive.reads[i]!;
        return [
          r.what,
          r.concurrency,
          s.store,
          r.requests,
          r.latency.p50_ms,
          r.latency.p99_ms,
          r.latency.max_ms,
          r.load_1m,
          fail(r.failures),
        ];
      }),
    ),
  );
  for (const s of both) for (const r of s.big_hive.reads) printFailureBodies(r.failure_bodies, s.store);

  printTable(
    `4. Live stream (tRPC hive.live over SSE): dispatch sent on A → task_dispatched received, ${SIZES.liveDispatches} dispatches one at a time`,
    [
      'store',
      'stream on',
      'received',
      'p50 ms',
      'p99 ms',
      'max ms',
      'minus A p50',
      'minus A p99',
      'dispatch reply p50',
      'load',
    ],
    both.flatMap(({ store, live }) =>
      live.streams.map((s) => [
        store,
        s.on,
        `${s.received}/${s.dispatches}`,
        s.latency.p50_ms,
        s.latency.p99_ms,
        s.latency.max_ms,
        s.after_first?.p50_ms ?? '-',
        s.after_first?.p99_ms ?? '-',
        live.dispatch_reply.p50_ms,
        live.load_1m,
      ]),
    ),
  );
  const cross = pg.live.streams.find((s) => s.on.startsWith('other'));
  if (cross) {
    const met = cross.received === cross.dispatches && cross.latency.p99_ms < LIVE_TARGET_P99_MS;
    console.log(
      `cross-server live p99 ${cross.latency.p99_ms} ms (target < ${LIVE_TARGET_P99_MS} ms, every event: ${met ? 'MET' : 'MISSED'}); ` +
        `B after A for the same dispatch: p50 ${cross.after_first?.p50_ms} ms, p99 ${cross.after_first?.p99_ms} ms`,
    );
  }
  for (const s of both)
    for (const l of s.live.streams)
      if (l.stream_ended) console.log(`  ${s.store} stream on ${l.on} ended early: ${l.stream_ended}`);

  if (pg.servers) {
    printTable(
      `5. PostgreSQL: dispatch at c=${TWO_SERVER_CONCURRENCY} with one server, two (round-robin), one again; ${SIZES.seconds} s each`,
      ['servers', 'tasks/s', 'p50 ms', 'p99 ms', 'max ms', 'servers CPU ms/task', 'db CPU ms/task', 'load', 'failures'],
      pg.servers.map((d) => [
        d.servers,
        d.per_s,
        d.latency.p50_ms,
        d.latency.p99_ms,
        d.latency.max_ms,
        d.server_cpu_ms_per_dispatch,
        d.db_cpu_ms_per_dispatch ?? '-',
        d.load_1m,
        fail(d.failures),
      ]),
    );
    for (const d of pg.servers) printFailureBodies(d.failure_bodies, `${d.servers} server(s)`);
  }

  for (const s of both) {
    if (s.server_log_problems.length === 0) continue;
    console.log(`\n${s.store}: server log lines that look like problems (${s.server_log_problems.length}, first 10):`);
    for (const line of s.server_log_problems.slice(0, 10)) console.log(`  ${line}`);
  }
}

async function main(): Promise<void> {
  const machine = machineConditions();
  step(`load average at the start: ${machine.load_average.join(', ')}`);
  const file = await fileStore();
  await settle();
  const pg = await postgresStore();
  printAll(file, pg);
  const cross = pg.live.streams.find((s) => s.on.startsWith('other'));
  await recordResults('stores', {
    machine,
    sizes: SIZES,
    file,
    postgres: pg,
    live_target_p99_ms: LIVE_TARGET_P99_MS,
    live_verdict: verdict(!!cross && cross.received === cross.dispatches && cross.latency.p99_ms < LIVE_TARGET_P99_MS),
  });
}

main()
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(async () => {
    await cleanUp();
    process.exit();
  });
