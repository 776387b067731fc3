/**
 * What presence tracking costs dispatch (`npm run bench`): POST /api/tasks/run throughput
 * with no bees, with 200 live bees heartbeating every 5 s (presence files, as reference
 * bees write them), and with none again, so drift on a shared machine shows. Target: the
 * bees cost under 5% of the dispatch rate.
 */
import { rm } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { machineConditions, printTable, recordResults, step, verdict } from '../lib/bench-report';
import { benchTask, failuresText, loadFor, postJson, requestJson, type LoadRun } from '../lib/bench-http';
import { heartbeatBees } from '../lib/hive-files';
import { round } from '../lib/measure';
import { startServer, type ServerProcess } from '../lib/server-process';

const BEES = 200;
const SECONDS = Number(process.env.BENCH_PRESENCE_SECONDS ?? 20);
const CONCURRENCY = 8;
const TARGET_OVERHEAD = 0.05;

async function liveBees(server: ServerProcess): Promise<number> {
  const reply = await requestJson(`${server.url}/api/hive/bots`);
  return ((reply.body as { bees?: { live: boolean }[] } | null)?.bees ?? []).filter((b) => b.live).length;
}

async function waitForLive(server: ServerProcess, count: number): Promise<number> {
  for (const deadline = performance.now() + 40_000; performance.now() < deadline;) {
    if ((await liveBees(server)) === count) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return liveBees(server);
}

function dispatchFor(server: ServerProcess, label: string): Promise<LoadRun> {
  return loadFor(SECONDS, CONCURRENCY, (i) => postJson(`${server.url}/api/tasks/run`, benchTask(`${label}-${i}`)));
}

async function main(): Promise<void> {
  const machine = machineConditions();
  const server = await startServer();
  try {
    step('warm-up');
    await loadFor(5, CONCURRENCY, (i) => postJson(`${server.url}/api/tasks/run`, benchTask(`warm-${i}`)));
    step(`dispatch for ${SECONDS} s, no bees`);
    const before = await dispatchFor(server, 'none-1');

    const bees = heartbeatBees(
      server.root,
      Array.from({ length: BEES }, (_, i) => ({ bee: `bee-${i}`, bots: [`BOT-${i % 100}`, 'BEE-001'] })),
    );
    let withBees: LoadRun;
    let live: number;
    try {
      await bees.started;
      live = await waitForLive(server, BEES);
      step(`dispatch for ${SECONDS} s, ${live} live bees heartbeating every 5 s`);
      withBees = await dispatchFor(server, 'bees');
    } finally {
      await bees.stop();
    }
    const gone = await waitForLive(server, 0);
    step(`dispatch for ${SECONDS} s, no bees again (${gone} live)`);
    const after = await dispatchFor(server, 'none-2');

    const baseline = (before.per_s + after.per_s) / 2;
    const overhead = round(1 - withBees.per_s / baseline, 3);
    printTable(
      `Presence cost on dispatch (POST /api/tasks/run, c=${CONCURRENCY}, ${SECONDS} s each)`,
      ['live bees', 'dispatches', 'tasks/s', 'p50 ms', 'p99 ms', 'failures'],
      [
        [0, before],
        [live, withBees],
        [0, after],
      ].map(([n, r]) => {
        const run = r as LoadRun;
        return [n as number, run.ok, run.per_s, run.latency.p50_ms, run.latency.p99_ms, failuresText(run.failures)];
      }),
    );
    console.log(
      `overhead of ${live} bees: ${(overhead * 100).toFixed(1)}% of ${round(baseline, 1)} tasks/s ` +
        `(target < ${TARGET_OVERHEAD * 100}%: ${verdict(overhead < TARGET_OVERHEAD)}); ` +
        `the two runs without bees differ by ${((Math.abs(before.per_s - after.per_s) / baseline) * 100).toFixed(1)}%`,
    );
    await recordResults('presence_cost', {
      machine,
      concurrency: CONCURRENCY,
      seconds: SECONDS,
      without_bees_before: before,
      with_bees: { live, ...withBees },
      without_bees_after: after,
      overhead,
      target: TARGET_OVERHEAD,
    });
  } finally {
    await server.stop();
    await rm(server.root, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
