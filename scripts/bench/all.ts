/**
 * `npm run bench`: every bench in turn, each against servers of its own, each adding its
 * section to bench-results/latest.json. `npm run bench -- health export` runs only those.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const PROJECT = path.resolve(__dirname, '..', '..');

const BENCHES: Record<string, { file: string; what: string }> = {
  api: { file: 'scripts/bench.ts', what: 'dispatch, status, completion and waits over REST' },
  ui: { file: 'scripts/bench-ui.ts', what: 'browser latencies in Chromium' },
  list: { file: 'scripts/bench-list.ts', what: 'tasks.list with 100,000 tasks' },
  'run-many': { file: 'scripts/bench/run-many.ts', what: 'batch dispatch, 1,000 tasks per request' },
  health: { file: 'scripts/bench/health.ts', what: '/api/hive/bots with 100 bots, 200 bees, 100,000 tasks' },
  presence: { file: 'scripts/bench/presence.ts', what: 'dispatch rate with 0 and 200 live bees' },
  remote: { file: 'scripts/bench/remote.ts', what: 'dispatch → long-polling HTTP bee; 1,000 idle long-polls' },
  export: { file: 'scripts/bench/export.ts', what: 'CSV and NDJSON export of 100,000 tasks, server RSS' },
  memory: { file: 'scripts/bench/memory.ts', what: 'server RSS over 100,000 dispatches and at rest' },
  stores: {
    file: 'scripts/bench/stores.ts',
    what: 'files + SQLite vs PostgreSQL: dispatch, completion, reads of 100,000 tasks; live and two servers',
  },
};

function main(): number {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((name) => !(name in BENCHES));
  if (unknown.length > 0) {
    console.error(`No bench named ${unknown.join(', ')}. The benches: ${Object.keys(BENCHES).join(', ')}.`);
    return 2;
  }
  if (!existsSync(path.join(PROJECT, '.next', 'BUILD_ID'))) {
    console.log('No production build in .next/: running npm run build first.');
    if (spawnSync('npm', ['run', 'build'], { cwd: PROJECT, stdio: 'inherit' }).status !== 0) return 1;
  }
  const failed: string[] = [];
  for (const name of asked.length > 0 ? asked : Object.keys(BENCHES)) {
    const { file, what } = BENCHES[name]!;
    console.log(`\n=== ${name}: ${what} (${file})`);
    const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(PROJECT, file)], {
      cwd: PROJECT,
      stdio: 'inherit',
    });
    if (run.status !== 0) failed.push(name);
  }
  if (failed.length > 0) console.error(`\nFailed: ${failed.join(', ')}`);
  return failed.length > 0 ? 1 : 0;
}

process.exit(main());
