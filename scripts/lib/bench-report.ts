/** What every bench prints and keeps: the machine's conditions, tables, and its section of bench-results/latest.json. */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export const RESULTS_FILE = path.resolve(__dirname, '..', '..', 'bench-results', 'latest.json');

/** The machine as the bench found it: a shared machine's load changes every number. */
export function machineConditions() {
  return {
    node: process.version,
    cpus: os.cpus().length,
    cpu_model: os.cpus()[0]?.model ?? 'unknown',
    load_average: os.loadavg().map((n) => Math.round(n * 100) / 100),
    free_memory_mib: Math.round(os.freemem() / 1048576),
    platform: `${os.platform()} ${os.release()}`,
  };
}

/**
 * Merges `{[section]: value}` into bench-results/latest.json, keeping the other benches' sections,
 * with the load average as the bench ended beside the one it started with (in `machine`).
 */
export async function recordResults(section: string, value: object): Promise<void> {
  const finished = { at: new Date().toISOString(), load_average: machineConditions().load_average };
  console.log(`load average at the end: ${finished.load_average.join(', ')}`);
  const previous = await readFile(RESULTS_FILE, 'utf8').then(
    (text) => JSON.parse(text) as Record<string, unknown>,
    () => ({}),
  );
  await mkdir(path.dirname(RESULTS_FILE), { recursive: true });
  await writeFile(RESULTS_FILE, `${JSON.stringify({ ...previous, [section]: { ...value, finished } }, null, 2)}\n`);
}

export function printTable(title: string, header: string[], rows: (string | number)[][]): void {
  const cells = [header, ...rows.map((row) => row.map(String))];
  const widths = header.map((_, col) => Math.max(...cells.map((row) => row[col]?.length ?? 0)));
  const line = (row: string[]) => row.map((cell, col) => cell.padStart(widths[col] ?? 0)).join('  ');
  console.log(`\n${title}`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of cells.slice(1)) console.log(line(row));
}

export const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');

export const step = (name: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${name}`);
