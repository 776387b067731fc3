/**
 * Batch dispatch throughput (`npm run bench`): POST /api/tasks/run-many with 1,000 tasks per
 * request, one request at a time and two at once. A reply comes after its batch's commit,
 * so the rate is durable tasks per second; every task file is then counted on disk.
 * Target: at least 5,000 tasks/s. The server's CPU time per task is reported beside the
 * rate: it bounds the rate on this machine whatever else runs on it. BENCH_PROFILE=1 writes
 * the server's CPU profile (--cpu-prof) to bench-results/profiles/ when it stops.
 */
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { machineConditions, printTable, recordResults, RESULTS_FILE, step, verdict } from '../lib/bench-report';
import { failuresText, seedViaRunMany } from '../lib/bench-http';
import { round } from '../lib/measure';
import { cpuMs } from '../lib/process-stats';
import { withServer } from '../lib/server-process';

const BATCHES = Number(process.env.BENCH_RUN_MANY_BATCHES ?? 20);
const CONCURRENCY = [1, 2];
const BOTS = 10;
const TARGET = 5000;

async function filesOnDisk(root: string): Promise<number> {
  const tasks = path.join(root, '.deia', 'hive', 'tasks');
  let count = 0;
  for (const bot of await readdir(tasks)) count += (await readdir(path.join(tasks, bot))).length;
  return count;
}

async function main(): Promise<void> {
  const machine = machineConditions();
  const profileDir = path.join(path.dirname(RESULTS_FILE), 'profiles');
  if (process.env.BENCH_PROFILE) await mkdir(profileDir, { recursive: true });
  await withServer(
    async (server) => {
      step('warm-up: 2 batches');
      const warm = await seedViaRunMany(server.url, 2000, { bots: BOTS, label: 'warm' });
      const runs = [];
      for (const concurrency of CONCURRENCY) {
        step(`${BATCHES} batches of 1,000 at c=${concurrency}`);
        const cpuBefore = cpuMs(server.child.pid!);
        const run = await seedViaRunMany(server.url, BATCHES * 1000, {
          bots: BOTS,
          concurrency,
          label: `c${concurrency}`,
        });
        const cpuPerTask = round((cpuMs(server.child.pid!) - cpuBefore) / run.tasks, 3);
        runs.push({ concurrency, ...run, server_cpu_ms_per_task: cpuPerTask });
      }
      const onDisk = await filesOnDisk(server.root);
      const dispatched = warm.tasks + runs.reduce((n, r) => n + r.tasks, 0);
      printTable(
        'Batch dispatch (POST /api/tasks/run-many, 1,000 tasks per request; replies after the commit)',
        ['conc', 'requests', 'tasks', 'tasks/s', 'req p50 ms', 'req p99 ms', 'server CPU ms/task', 'failures'],
        runs.map((r) => [
          r.concurrency,
          r.requests,
          r.tasks,
          r.tasks_per_s,
          r.latency.p50_ms,
          r.latency.p99_ms,
          r.server_cpu_ms_per_task,
          failuresText(r.failures),
        ]),
      );
      const best = Math.max(...runs.map((r) => r.tasks_per_s));
      console.log(`best ${best} tasks/s (target >= ${TARGET}: ${verdict(best >= TARGET)})`);
      // The server's CPU per task bounds the rate whatever the load: this is the rate its cores allow.
      const cpuPerTask = Math.min(...runs.map((r) => r.server_cpu_ms_per_task));
      console.log(
        `server CPU ${cpuPerTask} ms a task: at most ${Math.round((machine.cpus * 1000) / cpuPerTask)} tasks/s ` +
          `on ${machine.cpus} CPUs with nothing else running (the client and the rest of the machine share them)`,
      );
      console.log(`task files on disk: ${onDisk} of ${dispatched} dispatched`);
      await recordResults('run_many', {
        machine,
        batch: 1000,
        runs,
        dispatched,
        files_on_disk: onDisk,
        target: TARGET,
      });
    },
    {
      nodeArgs: process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
    },
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
