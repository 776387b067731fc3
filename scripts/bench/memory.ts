/**
 * RSS after 100,000 dispatches (`npm run bench`): POST /api/tasks/run at 64 in flight against
 * a fresh server started as `npm run serve` starts it, its RSS sampled throughout; then the
 * RSS at rest (10, 30 and 60 s after the load) and after a restart on the same hive, with
 * the live heap from /api/metrics beside it. Targets: under 350 MB during the run, under
 * 250 MB at rest with 100,000 tasks.
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { machineConditions, printTable, recordResults, step, verdict } from '../lib/bench-report';
import { benchTask, failuresText, loadCount, postJson } from '../lib/bench-http';
import { round } from '../lib/measure';
import { RssSampler, rssKiB } from '../lib/process-stats';
import { SERVER_NODE_FLAGS, startServer, tempHiveRoot, type ServerProcess } from '../lib/server-process';

const DISPATCHES = Number(process.env.BENCH_MEMORY_DISPATCHES ?? 100_000);
const CONCURRENCY = 64;
/** The targets are in MB (10^6 bytes); /proc reports KiB. */
const TARGET_RUN_MB = 350;
const TARGET_REST_MB = 250;
const mb = (mib: number) => round((mib * 1048576) / 1e6, 1);

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const rssMiB = (server: ServerProcess) => round((rssKiB(server.child.pid!) ?? NaN) / 1024, 1);

/**
 * The memory knobs `npm run serve` sets, so the bench measures the server as it is run: its
 * environment, and the V8 flags startServer passes too (checked to be the same).
 */
async function serveEnv(): Promise<Record<string, string>> {
  const pkg = JSON.parse(await readFile(path.resolve(__dirname, '..', '..', 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const missing = SERVER_NODE_FLAGS.filter((flag) => !pkg.scripts.serve!.includes(flag));
  if (missing.length > 0) throw new Error(`npm run serve does not pass ${missing.join(' ')}, which startServer does`);
  const env: Record<string, string> = {};
  for (const [, name, value] of pkg.scripts.serve!.matchAll(/\b([A-Z_]+)=(\S+)/g)) {
    // `${VAR:-default}` in the script: the default, unless this environment sets it.
    const fallback = /^\$\{\w+:-(.*)\}$/.exec(value!)?.[1];
    env[name!] = fallback !== undefined ? (process.env[name!] ?? fallback) : value!;
  }
  return env;
}

async function heapMiB(server: ServerProcess): Promise<{ heap_used_mib: number; heap_total_mib: number }> {
  const text = await (await fetch(`${server.url}/api/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return {
    heap_used_mib: round(value('nodejs_heap_size_used_bytes') / 1048576, 1),
    heap_total_mib: round(value('nodejs_heap_size_total_bytes') / 1048576, 1),
  };
}

/** RSS 10, 30 and 60 s after the load, then the heap V8 reports. */
async function atRest(server: ServerProcess) {
  await sleep(10_000);
  const after10 = rssMiB(server);
  await sleep(20_000);
  const after30 = rssMiB(server);
  await sleep(30_000);
  const after60 = rssMiB(server);
  return { after_10s_mib: after10, after_30s_mib: after30, after_60s_mib: after60, ...(await heapMiB(server)) };
}

async function main(): Promise<void> {
  const machine = machineConditions();
  const env = await serveEnv();
  const root = await tempHiveRoot('hive-memory-bench-');
  let server = await startServer({ root, env });
  try {
    step(`server env from npm run serve: ${JSON.stringify(env)}, node flags ${SERVER_NODE_FLAGS.join(' ')}`);
    await loadCount(500, 8, (i) => postJson(`${server.url}/api/tasks/run`, benchTask(`warm-${i}`)));
    await sleep(5000);
    const start = rssMiB(server);
    step(`${DISPATCHES} dispatches at c=${CONCURRENCY} (RSS at start ${start} MiB)`);
    const sampler = new RssSampler(server.child.pid!, 250);
    const run = await loadCount(DISPATCHES, CONCURRENCY, (i) =>
      postJson(`${server.url}/api/tasks/run`, benchTask(`mem-${i}`)),
    );
    const during = sampler.stop();
    step('at rest');
    const rest = await atRest(server);

    step('restart on the same hive');
    await server.stop();
    server = await startServer({ root, env, readyTimeoutMs: 120_000 });
    await sleep(10_000);
    const restarted = { rss_mib: rssMiB(server), ...(await heapMiB(server)) };

    printTable(
      `Server RSS (MiB) over ${run.ok} dispatches (POST /api/tasks/run, c=${CONCURRENCY}, ${run.per_s} tasks/s, p99 ${run.latency.p99_ms} ms)`,
      [
        'start',
        'max during',
        'end of run',
        'rest 10 s',
        'rest 30 s',
        'rest 60 s',
        'heap used',
        'heap total',
        'restarted',
      ],
      [
        [
          start,
          during.max_mib,
          during.last_mib,
          rest.after_10s_mib,
          rest.after_30s_mib,
          rest.after_60s_mib,
          rest.heap_used_mib,
          rest.heap_total_mib,
          restarted.rss_mib,
        ],
      ],
    );
    console.log(
      `during the run: max ${during.max_mib} MiB = ${mb(during.max_mib)} MB (target < ${TARGET_RUN_MB} MB: ${verdict(mb(during.max_mib) < TARGET_RUN_MB)}); ` +
        `at rest: ${rest.after_60s_mib} MiB = ${mb(rest.after_60s_mib)} MB (target < ${TARGET_REST_MB} MB: ${verdict(mb(rest.after_60s_mib) < TARGET_REST_MB)}); ` +
        `failures: ${failuresText(run.failures)}`,
    );
    await recordResults('memory', {
      machine,
      server_env: env,
      server_node_flags: SERVER_NODE_FLAGS,
      dispatches: run.ok,
      concurrency: CONCURRENCY,
      run: { per_s: run.per_s, latency: run.latency, failures: run.failures },
      rss_start_mib: start,
      rss_during: during,
      rest,
      restarted,
      targets: { during_mb: TARGET_RUN_MB, rest_mb: TARGET_REST_MB },
    });
  } finally {
    await server.stop();
    await rm(root, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
