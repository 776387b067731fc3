/**
 * Bees over HTTP (`npm run bench`): how soon a long-polling remote bee holds a task after
 * POST /api/tasks/run is sent (target p99 < 20 ms), and what 1,000 idle long-polls cost the
 * server: memory, open files and CPU at rest, and the dispatch rate with none, with 1,000
 * waiting and with none again (so drift on a shared machine shows). The idle bees do what an
 * idle reference bee does: keep a claim open at all times (which keeps them live; they
 * heartbeat only while they hold a task).
 */
import { performance } from 'node:perf_hooks';
import type { Claimed } from '../../server/contracts/bee-protocol';
import { machineConditions, printTable, recordResults, step, verdict } from '../lib/bench-report';
import {
  benchTask,
  DISPATCH_COLUMNS,
  dispatchCost,
  dispatchFor,
  dispatchRow,
  failuresText,
  loadCount,
  postJson,
  tallyFailures,
  type DispatchRun,
  type Reply,
} from '../lib/bench-http';
import { ClaimLoops } from '../lib/http-bees';
import { latencyOf, percentile, round } from '../lib/measure';
import { cpuMs, rssKiB } from '../lib/process-stats';
import { withServer, type ServerProcess } from '../lib/server-process';

const BEES = 6;
const BOT = 'BEE-001';
const WARM_UP = 100;
const DISPATCHES = Number(process.env.BENCH_REMOTE_DISPATCHES ?? 500);
const IDLE = Number(process.env.BENCH_REMOTE_IDLE ?? 1000);
const SECONDS = Number(process.env.BENCH_REMOTE_SECONDS ?? 15);
const CONCURRENCY = 8;
const TARGET_P99_MS = 20;
/** The idle bees' own bots (IDLE-0…) get nothing; the throughput runs dispatch here. */
const LOAD_BOT = 'BOT-LOAD';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ascending = (ms: number[]) => [...ms].sort((a, b) => a - b);
/** latencyOf's percentiles, with p90 beside them. */
const spread = (ms: number[]) => ({ ...latencyOf(ms), p90_ms: round(percentile(ascending(ms), 90)) });

/** Dispatches one task at a time to BOT and times its arrival at whichever bee claims it. */
async function dispatchToBees(server: ServerProcess, count: number, label: string) {
  const expected = new Map<string, (claimed: Claimed, at: number) => void>();
  const failed: Reply[] = [];
  const bees = new ClaimLoops(server.url, (claimed, at) => {
    const arrived = expected.get(claimed.task_id);
    if (arrived) arrived(claimed, at);
    else failed.push({ status: 200, body: null, ms: 0, error: 'claim of a task not dispatched' });
  });
  for (let i = 0; i < BEES; i++) bees.start(`remote-${i}`, [BOT], 25);
  await sleep(500); // every bee past its first look at the inbox, waiting

  const samples = { arrival: [] as number[], dispatch: [] as number[], afterReply: [] as number[] };
  const dispatch = await loadCount(count, 1, async (i) => {
    const taskId = `${label}-${i}`;
    let timer: NodeJS.Timeout | undefined;
    const arrived = new Promise<{ claimed: Claimed; at: number } | null>((resolve) => {
      expected.set(taskId, (claimed, at) => resolve({ claimed, at }));
      timer = setTimeout(() => resolve(null), 5000);
    });
    const started = performance.now();
    const reply = await postJson(`${server.url}/api/tasks/run`, { ...benchTask(taskId, BOT), task_id: taskId });
    samples.dispatch.push(reply.ms);
    const got = reply.status === 200 ? await arrived : null;
    clearTimeout(timer);
    expected.delete(taskId);
    if (got) {
      samples.arrival.push(got.at - started);
      samples.afterReply.push(got.at - started - reply.ms);
      // Answered before the next dispatch: no lease runs out later and wakes a bee mid-measurement.
      const answer = await postJson(`${server.url}/api/tasks/${taskId}/response`, {
        lease_token: got.claimed.lease_token,
        content: 'done',
      });
      if (answer.status !== 200) failed.push(answer);
    } else if (reply.status === 200) {
      failed.push({ status: 0, body: null, ms: 5000, error: 'no bee had the task within 5 s' });
    }
    return reply;
  });
  await bees.stop();
  return {
    dispatch_to_bee: spread(samples.arrival),
    dispatch_reply_to_bee: spread(samples.afterReply),
    dispatch_reply: { ...dispatch, latency: spread(samples.dispatch) },
    failures: tallyFailures([...failed, ...bees.failed], () => false),
  };
}

/** The server as /proc and a scrape of /api/metrics show it. */
async function snapshot(server: ServerProcess) {
  const text = await (await fetch(`${server.url}/api/metrics`)).text();
  const gauge = (name: string) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? NaN);
  const mib = (bytes: number) => round(bytes / 1048576, 1);
  return {
    rss_mib: mib((rssKiB(server.child.pid!) ?? NaN) * 1024),
    heap_used_mib: mib(gauge('nodejs_heap_size_used_bytes')),
    open_fds: gauge('process_open_fds'),
    live_bees: gauge('hive_live_bees'),
  };
}

/**
 * 5 s with nothing dispatched: the server's CPU per second, and its memory then. The heap
 * is the lowest of five readings, the nearest to what survives a collection.
 */
async function atRest(server: ServerProcess) {
  const cpuBefore = cpuMs(server.child.pid!);
  let lowest = Infinity;
  for (let i = 0; i < 5; i++) {
    await sleep(1000);
    lowest = Math.min(lowest, (await snapshot(server)).heap_used_mib);
  }
  const cpu_ms_per_s = round((cpuMs(server.child.pid!) - cpuBefore) / 5, 1);
  return { ...(await snapshot(server)), heap_used_mib: lowest, cpu_ms_per_s };
}

/** Opens IDLE long-polls and waits until each is sent, its connection open and its bee present. */
async function openIdle(server: ServerProcess, idle: ClaimLoops, baseFds: number) {
  const started = performance.now();
  const cpuBefore = cpuMs(server.child.pid!);
  // First waits spread over 1–30 s: the bees then time out and ask again at a steady rate, as a fleet does.
  for (let i = 0; i < IDLE; i++) idle.start(`idle-${i}`, [`IDLE-${i}`], 30, 1 + Math.floor((29 * i) / IDLE));
  const waiting = (s: Awaited<ReturnType<typeof snapshot>>) =>
    idle.inFlight === IDLE && s.open_fds >= baseFds + IDLE && s.live_bees >= IDLE;
  let seen = await snapshot(server);
  while (!waiting(seen) && performance.now() - started < 60_000) seen = await sleep(250).then(() => snapshot(server));
  return {
    ...seen,
    seconds: round((performance.now() - started) / 1000, 1),
    server_cpu_ms_per_bee: round((cpuMs(server.child.pid!) - cpuBefore) / IDLE, 2),
  };
}

async function main(): Promise<void> {
  const machine = machineConditions();
  const load = { seconds: SECONDS, concurrency: CONCURRENCY, botId: LOAD_BOT };
  await withServer(async (server) => {
    step(`warm-up: ${WARM_UP} dispatches to ${BEES} long-polling bees`);
    await dispatchToBees(server, WARM_UP, 'warm');
    step(`${DISPATCHES} dispatches, one at a time, to ${BEES} bees long-polling ${BOT}`);
    const remote = await dispatchToBees(server, DISPATCHES, 'remote');

    step(`warm-up, ${SECONDS} s of dispatch to ${LOAD_BOT}`);
    await dispatchFor(server, { ...load, label: 'warm' });
    step(`dispatch for ${SECONDS} s, no idle bees`);
    const before = await dispatchFor(server, { ...load, label: 'none-1' });
    const restNone = await atRest(server);

    step(`opening ${IDLE} idle long-polls (wait_seconds 30)`);
    const idle = new ClaimLoops(server.url);
    let opened, restIdle, withIdle: DispatchRun, liveAfter: number;
    try {
      opened = await openIdle(server, idle, restNone.open_fds);
      step(
        `after ${opened.seconds} s: ${idle.inFlight} claims sent, ${opened.live_bees} live, ${opened.open_fds} open fds`,
      );
      // Registering a bee trails its claim: the watcher re-reads its presence file, and its
      // bee_online commit. Longer would push the dispatch run past the first bees' 30 s.
      await sleep(2000);
      restIdle = await atRest(server);
      step(`dispatch for ${SECONDS} s, ${idle.inFlight} idle long-polls`);
      withIdle = await dispatchFor(server, { ...load, label: 'idle' });
      liveAfter = (await snapshot(server)).live_bees;
    } finally {
      await idle.stop();
    }
    for (const closed = performance.now(); performance.now() - closed < 10_000; await sleep(250)) {
      if ((await snapshot(server)).open_fds <= restNone.open_fds + 20) break;
    }
    step(`dispatch for ${SECONDS} s, no idle bees again`);
    const after = await dispatchFor(server, { ...load, label: 'none-2' });

    const { dispatch_to_bee: arrival, dispatch_reply: dispatch } = remote;
    const spreadRow = (what: string, l: typeof arrival, failures: Record<string, number>) => {
      return [what, l.samples, l.p50_ms, l.p90_ms, l.p99_ms, l.max_ms, failuresText(failures)];
    };
    printTable(
      `Dispatch → remote bee has the task (${BEES} bees long-polling ${BOT}, ${DISPATCHES} dispatches one at a time)`,
      ['interval', 'samples', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'failures'],
      [
        spreadRow('dispatch sent → claim reply at a bee', arrival, remote.failures),
        spreadRow('dispatch sent → dispatch reply', dispatch.latency, dispatch.failures),
        spreadRow('dispatch reply → claim reply at a bee', remote.dispatch_reply_to_bee, {}),
      ],
    );
    const met = arrival.samples === DISPATCHES && arrival.p99_ms < TARGET_P99_MS;
    console.log(`dispatch → bee p99 ${arrival.p99_ms} ms (target < ${TARGET_P99_MS} ms, every task: ${verdict(met)})`);

    printTable(
      `The server with no idle bees and with ${IDLE} idle long-polls (5 s at rest, nothing dispatched)`,
      ['idle long-polls', 'RSS MiB', 'heap used MiB (lowest)', 'open fds', 'live bees', 'server CPU ms/s'],
      [[0, restNone] as const, [IDLE, restIdle] as const].map(([n, r]) => [
        n,
        r.rss_mib,
        r.heap_used_mib,
        r.open_fds,
        r.live_bees,
        r.cpu_ms_per_s,
      ]),
    );
    const perPoll = (mib: number) => Math.round((mib * 1048576) / IDLE / 1024);
    console.log(
      `per idle long-poll: ${perPoll(restIdle.rss_mib - restNone.rss_mib)} KiB of RSS, ` +
        `${perPoll(restIdle.heap_used_mib - restNone.heap_used_mib)} KiB of heap; opening them took ` +
        `${opened.seconds} s and ${opened.server_cpu_ms_per_bee} ms of server CPU per bee; ` +
        `${idle.replies} idle replies, failures: ${failuresText(tallyFailures(idle.failed, () => false))}`,
    );

    printTable(
      `Idle long-polls' cost on dispatch (POST /api/tasks/run to ${LOAD_BOT}, c=${CONCURRENCY}, ${SECONDS} s each)`,
      ['idle long-polls', ...DISPATCH_COLUMNS],
      [
        [0, ...dispatchRow(before)],
        [IDLE, ...dispatchRow(withIdle)],
        [0, ...dispatchRow(after)],
      ],
    );
    const { baseline, overhead, drift, cpuOverhead } = dispatchCost(before, withIdle, after);
    console.log(
      `overhead of ${IDLE} idle long-polls: ${(overhead * 100).toFixed(1)}% of ${round(baseline, 1)} tasks/s, ` +
        `${(cpuOverhead * 100).toFixed(1)}% server CPU per dispatch; the two runs without them differ by ` +
        `${(drift * 100).toFixed(1)}%; live bees at the end: ${liveAfter}` +
        (liveAfter < IDLE ? ' (some idle bees went offline during the run: their churn is in it)' : ''),
    );
    await recordResults('remote', {
      machine,
      bees: BEES,
      ...remote,
      target_p99_ms: TARGET_P99_MS,
      verdict: verdict(met),
      idle_long_polls: IDLE,
      opening: opened,
      at_rest: { none: restNone, idle: restIdle },
      idle_replies: idle.replies,
      idle_failures: tallyFailures(idle.failed, () => false),
      concurrency: CONCURRENCY,
      seconds: SECONDS,
      without_idle_before: before,
      with_idle: { ...withIdle, live_bees_at_end: liveAfter },
      without_idle_after: after,
      overhead,
      cpu_overhead: cpuOverhead,
      drift,
    });
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
