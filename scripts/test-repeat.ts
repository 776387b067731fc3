/**
 * `npm run test:repeat -- [N] [playwright args…]`: builds once, runs the e2e suite N times
 * (default 3), and reports every test that failed even once, with how often. A test that
 * fails one run in ten blocks a landing one time in ten, so a single red run counts.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

interface JsonSuite {
  title: string;
  file: string;
  specs: { title: string; line: number; tests: { projectName: string; results: { status: string }[] }[] }[];
  suites?: JsonSuite[];
}

const [first, ...rest] = process.argv.slice(2);
const runs = first !== undefined && /^\d+$/.test(first) ? Number(first) : 3;
const playwrightArgs = first !== undefined && /^\d+$/.test(first) ? rest : process.argv.slice(2);
if (runs < 1) {
  console.error('test:repeat: N must be at least 1');
  process.exit(2);
}

const PROJECT = path.resolve(__dirname, '..');
const npx = (args: string[], env: NodeJS.ProcessEnv = process.env) =>
  spawnSync('npx', args, { cwd: PROJECT, stdio: 'inherit', env });

if (spawnSync('npm', ['run', 'build'], { cwd: PROJECT, stdio: 'inherit' }).status !== 0) process.exit(1);

/** "file › describe › test [project]" → outcome of each run it took part in. */
const outcomes = new Map<string, string[]>();
const collect = (suite: JsonSuite, titles: string[]) => {
  for (const spec of suite.specs) {
    for (const test of spec.tests) {
      const name = `${[suite.file, ...titles, spec.title].join(' › ')}:${spec.line} [${test.projectName}]`;
      const status = test.results.every((r) => r.status === 'passed' || r.status === 'skipped') ? 'passed' : 'failed';
      outcomes.set(name, [...(outcomes.get(name) ?? []), status]);
    }
  }
  for (const child of suite.suites ?? []) collect(child, [...titles, child.title]);
};

const dir = mkdtempSync(path.join(os.tmpdir(), 'hive-test-repeat-'));
let broken = 0;
try {
  for (let run = 1; run <= runs; run++) {
    console.log(`\n=== e2e run ${run} of ${runs} ===`);
    const report = path.join(dir, `run-${run}.json`);
    const result = npx(['playwright', 'test', '--reporter=json,dot', ...playwrightArgs], {
      ...process.env,
      PLAYWRIGHT_JSON_OUTPUT_FILE: report,
    });
    let suites: JsonSuite[];
    try {
      suites = (JSON.parse(readFileSync(report, 'utf8')) as { suites: JsonSuite[] }).suites;
    } catch {
      console.error(`run ${run} left no report (exit ${result.status}); counting it as broken`);
      broken++;
      continue;
    }
    for (const suite of suites) collect(suite, []);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const failed = [...outcomes].filter(([, results]) => results.includes('failed'));
console.log(`\n${outcomes.size} tests, ${runs} runs: ${failed.length} failed at least once`);
for (const [name, results] of failed) {
  console.log(`  ${results.filter((r) => r === 'failed').length}/${results.length} failed  ${name}`);
}
process.exit(failed.length || broken ? 1 : 0);
