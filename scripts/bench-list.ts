/**
 * The task list with 100,000 tasks in the hive (`npm run bench`, last part): seeds a hive
 * through the real core, then times `tasks.list` through the tRPC router the way the
 * dashboard and the CLI call it — first page, filters, searches and a deep cursor.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { TaskListInput } from '../server/contracts/task-list';
import { Hive } from '../server/core/hive';
import { createCaller } from '../server/trpc/root';
import { latencyOf, runPool, type Latency } from './lib/measure';
import { tempHiveRoot } from './lib/server-process';

const TASKS = Number(process.env.BENCH_LIST_TASKS ?? 100_000);
const SAMPLES = 200;
const RESULTS_FILE = path.resolve(__dirname, '..', 'bench-results', 'latest.json');
const INTENTS = ['code', 'design', 'planning', 'research'];
const WORDS = ['ledger', 'parser', 'dashboard', 'router', 'watcher', 'schema', 'bench', 'cli'];

async function seed(hive: Hive): Promise<number> {
  const started = performance.now();
  await runPool(TASKS, 64, (i) =>
    hive.executor.execute({
      bot_id: `BEE-00${i % 4}`,
      intent: INTENTS[i % INTENTS.length]!,
      title: `Task ${i}: ${WORDS[i % WORDS.length]} ${WORDS[(i * 7) % WORDS.length]}`,
      summary: `Seeded task number ${i} about the ${WORDS[(i * 3) % WORDS.length]}`,
      kb_entities: [],
      wait_for_response: false,
      timeout_seconds: 300,
    }),
  );
  return TASKS / ((performance.now() - started) / 1000);
}

async function time(run: () => Promise<unknown>): Promise<Latency> {
  const samples: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const t0 = performance.now();
    await run();
    samples.push(performance.now() - t0);
  }
  return latencyOf(samples);
}

async function main(): Promise<void> {
  const root = await tempHiveRoot('hive-list-bench-');
  const hive = await Hive.open({ root, pollMs: 60_000 });
  try {
    console.log(`seeding ${TASKS} tasks through the core…`);
    const seedRate = await seed(hive);
    const caller = createCaller({ service: hive.service, actor: 'bench' });
    const list = (input: TaskListInput) => () => caller.tasks.list(input);
    const middle = (await caller.tasks.list({ limit: 1 })).items[0]!.seq - Math.floor(TASKS / 2);

    const cases: [string, TaskListInput][] = [
      ['first page (50)', {}],
      ['status=active', { status: 'active' }],
      ['lane=terminal, bot BEE-002', { lane: 'terminal', bot_id: 'BEE-002' }],
      ['search words "ledger parser"', { search: 'ledger parser' }],
      ['search id prefix "TASK-2"', { search: 'TASK-2' }],
      ['rare filter (no match)', { intent: 'nothing-like-this' }],
      ['deep cursor (middle of the hive)', { cursor: middle }],
    ];
    const results: Record<string, Latency> = {};
    for (const [name, input] of cases) results[name] = await time(list(input));

    console.log(
      `\n6. tasks.list with ${TASKS} tasks (seeded at ${seedRate.toFixed(0)} tasks/s in-process), ${SAMPLES} calls each`,
    );
    console.log('query                               p50 ms  p99 ms');
    console.log('----------------------------------  ------  ------');
    for (const [name, r] of Object.entries(results)) {
      console.log(`${name.padEnd(34)}  ${String(r.p50_ms).padStart(6)}  ${String(r.p99_ms).padStart(6)}`);
    }
    const previous = await readFile(RESULTS_FILE, 'utf8').then(
      (t) => JSON.parse(t) as object,
      () => ({}),
    );
    await mkdir(path.dirname(RESULTS_FILE), { recursive: true });
    await writeFile(
      RESULTS_FILE,
      `${JSON.stringify({ ...previous, list_100k: { tasks: TASKS, results } }, null, 2)}\n`,
    );
  } finally {
    await hive.close();
    await rm(root, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
