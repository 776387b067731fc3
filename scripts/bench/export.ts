/**
 * Export throughput (`npm run bench`): GET /api/tasks/export?format=csv of a 100,000-task hive
 * (seeded through run-many), read as a client would. Reports rows/s and the server's RSS,
 * sampled every 50 ms while the stream runs: it should stay flat (the export is produced a
 * page at a time, never held whole).
 */
import { performance } from 'node:perf_hooks';
import { machineConditions, printTable, recordResults, step } from '../lib/bench-report';
import { seedViaRunMany } from '../lib/bench-http';
import { round } from '../lib/measure';
import { RssSampler } from '../lib/process-stats';
import { withServer } from '../lib/server-process';

const TASKS = Number(process.env.BENCH_EXPORT_TASKS ?? 100_000);
const FORMATS = ['csv', 'ndjson'] as const;

async function exportOnce(url: string, pid: number, format: string) {
  const rss = new RssSampler(pid, 50);
  const started = performance.now();
  const res = await fetch(`${url}/api/tasks/export?format=${format}`);
  if (!res.ok || !res.body) throw new Error(`export failed: ${res.status}`);
  let bytes = 0;
  let lines = 0;
  const firstByte = performance.now() - started;
  const reader = res.body.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    bytes += read.value.length;
    for (const byte of read.value) if (byte === 10) lines++;
  }
  const seconds = (performance.now() - started) / 1000;
  const rows = format === 'csv' ? lines - 1 : lines;
  return {
    format,
    rows,
    mib: round(bytes / 1048576, 1),
    seconds: round(seconds),
    rows_per_s: Math.round(rows / seconds),
    first_byte_ms: round(firstByte),
    rss: rss.stop(),
  };
}

async function main(): Promise<void> {
  const machine = machineConditions();
  await withServer(async (server) => {
    step(`seeding ${TASKS} tasks (run-many)`);
    const seed = await seedViaRunMany(server.url, TASKS, { bots: 10, label: 'export' });
    await new Promise((r) => setTimeout(r, 2000));
    const runs = [];
    for (const format of FORMATS) {
      step(`GET /api/tasks/export?format=${format}`);
      runs.push(await exportOnce(server.url, server.child.pid!, format));
    }
    printTable(
      `Export of ${seed.tasks} tasks (GET /api/tasks/export), server RSS sampled every 50 ms during the stream`,
      ['format', 'rows', 'MiB', 's', 'rows/s', 'first byte ms', 'RSS first', 'RSS max', 'RSS last', 'growth MiB'],
      runs.map((r) => [
        r.format,
        r.rows,
        r.mib,
        r.seconds,
        r.rows_per_s,
        r.first_byte_ms,
        r.rss.first_mib,
        r.rss.max_mib,
        r.rss.last_mib,
        round(r.rss.max_mib - r.rss.first_mib, 1),
      ]),
    );
    await recordResults('export', { machine, seeded: seed.tasks, seed_tasks_per_s: seed.tasks_per_s, runs });
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
