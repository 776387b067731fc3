/**
 * Inbox health under load (`npm run bench`): GET /api/hive/bots with 100 bots, 200 live
 * bees heartbeating (presence files, every 5 s) and 1,000, then 100,000 tasks. Its p50 should
 * not move with the hive's size, and its read calls per request should be those of
 * /api/health (it reads counters and presence the server keeps, never the disk). A scrape
 * of /api/metrics is timed beside it.
 */
import { rm } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { machineConditions, printTable, recordResults, step } from '../lib/bench-report';
import { failuresText, loadCount, requestJson, seedViaRunMany, type LoadRun } from '../lib/bench-http';
import { heartbeatBees } from '../lib/hive-files';
import { round } from '../lib/measure';
import { readCalls } from '../lib/process-stats';
import { startServer, type ServerProcess } from '../lib/server-process';

const BOTS = 100;
const BEES = 200;
const SIZES = [1_000, Number(process.env.BENCH_HEALTH_TASKS ?? 100_000)];
const REQUESTS = 1000;
const CONCURRENCY = [1, 8];

interface Measured {
  concurrency: number;
  bots: LoadRun;
  health: LoadRun;
  /** Read-type system calls of the server per request (background heartbeats included in both). */
  bots_reads_per_request: number;
  health_reads_per_request: number;
  /** GET /api/metrics (a scrape), 200 requests. */
  metrics: LoadRun;
}

async function measure(server: ServerProcess, concurrency: number): Promise<Measured> {
  const pid = server.child.pid!;
  const timed = async (path: string) => {
    const before = readCalls(pid).syscr;
    const run = await loadCount(REQUESTS, concurrency, () => requestJson(`${server.url}${path}`));
    return { run, reads: round((readCalls(pid).syscr - before) / REQUESTS, 1) };
  };
  const health = await timed('/api/health');
  const bots = await timed('/api/hive/bots');
  const metrics = await loadCount(REQUESTS / 5, concurrency, async () => {
    const started = performance.now();
    const res = await fetch(`${server.url}/api/metrics`);
    await res.text();
    return { status: res.status, body: null, ms: performance.now() - started };
  });
  return {
    metrics,
    concurrency,
    bots: bots.run,
    health: health.run,
    bots_reads_per_request: bots.reads,
    health_reads_per_request: health.reads,
  };
}

async function liveBees(server: ServerProcess): Promise<number> {
  const reply = await requestJson(`${server.url}/api/hive/bots`);
  return ((reply.body as { bees?: { live: boolean }[] } | null)?.bees ?? []).filter((b) => b.live).length;
}

async function main(): Promise<void> {
  const machine = machineConditions();
  const server = await startServer();
  const bees = heartbeatBees(
    server.root,
    Array.from({ length: BEES }, (_, i) => ({
      bee: `bee-${String(i).padStart(3, '0')}`,
      bots: [`BOT-${String(i % BOTS).padStart(3, '0')}`, `BOT-${String((i + 50) % BOTS).padStart(3, '0')}`],
    })),
  );
  const runs: { tasks: number; seed: Awaited<ReturnType<typeof seedViaRunMany>>; measured: Measured[] }[] = [];
  try {
    await bees.started;
    for (const deadline = performance.now() + 30_000; performance.now() < deadline;) {
      if ((await liveBees(server)) === BEES) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const live = await liveBees(server);
    let seeded = 0;
    for (const size of SIZES) {
      step(`seeding to ${size} tasks over ${BOTS} bots (run-many), ${live} live bees`);
      const seed = await seedViaRunMany(server.url, size - seeded, { bots: BOTS, label: `h${size}` });
      seeded = size;
      const measured: Measured[] = [];
      for (const concurrency of CONCURRENCY) {
        step(`GET /api/hive/bots with ${size} tasks, c=${concurrency}`);
        measured.push(await measure(server, concurrency));
      }
      runs.push({ tasks: size, seed, measured });
    }

    printTable(
      `Inbox health (GET /api/hive/bots): ${BOTS} bots, ${live} live bees heartbeating every 5 s, ${REQUESTS} requests per row`,
      [
        'tasks',
        'conc',
        'p50 ms',
        'p99 ms',
        'req/s',
        'reads/req',
        'health p50',
        'health reads/req',
        'metrics p50',
        'metrics p99',
        'failures',
      ],
      runs.flatMap((r) =>
        r.measured.map((m) => [
          r.tasks,
          m.concurrency,
          m.bots.latency.p50_ms,
          m.bots.latency.p99_ms,
          m.bots.per_s,
          m.bots_reads_per_request,
          m.health.latency.p50_ms,
          m.health_reads_per_request,
          m.metrics.latency.p50_ms,
          m.metrics.latency.p99_ms,
          failuresText({ ...m.bots.failures, ...m.health.failures, ...m.metrics.failures }),
        ]),
      ),
    );
    const p50 = (i: number) => runs[i]!.measured[0]!.bots.latency.p50_ms;
    const ratio = round(p50(runs.length - 1) / p50(0));
    console.log(`p50 at c=1, ${SIZES.at(-1)} tasks / ${SIZES[0]} tasks: ${ratio}`);
    console.log(
      `seeding (run-many, 1,000 per request): ${runs.map((r) => `${r.seed.tasks} at ${r.seed.tasks_per_s} tasks/s`).join(', ')}`,
    );
    await recordResults('health_under_load', { machine, bots: BOTS, live_bees: live, runs, p50_ratio: ratio });
  } finally {
    await bees.stop();
    await server.stop();
    await rm(server.root, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
