/**
 * The main job in one process tree: the production server and one reference bee on the
 * same hive, so a task submitted from the dashboard, curl or the CLI completes on its own.
 * Ctrl-C (or SIGTERM) stops both; if either dies, the other is stopped too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { SERVER_NODE_FLAGS, waitForHealth } from './lib/server-process';

const PROJECT = path.resolve(__dirname, '..');
const port = process.env.PORT ?? '8010';
const host = process.env.HOST ?? '127.0.0.1';
// npm runs scripts in the package folder; INIT_CWD is where the user typed the command.
const root = path.resolve(process.env.HIVE_ROOT ?? process.env.INIT_CWD ?? process.cwd());
const bot = process.env.HIVE_BOT ?? 'BEE-001';
const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

const children: ChildProcess[] = [];
let stopping = false;

function start(name: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn(process.execPath, args, {
    cwd: PROJECT,
    env: { ...process.env, HIVE_ROOT: root, NEXT_TELEMETRY_DISABLED: '1', NEXT_MANUAL_SIG_HANDLE: '1', ...env },
    stdio: 'inherit',
  });
  child.on('exit', (code, signal) => {
    if (stopping) return;
    console.error(`[start] ${name} exited (${signal ?? code}); stopping the rest.`);
    void stopAll(code ?? 1);
  });
  children.push(child);
  return child;
}

async function stopAll(exitCode: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
        }),
    ),
  );
  process.exit(exitCode);
}

async function waitForServer(): Promise<void> {
  const ready = await waitForHealth(url, {
    timeoutMs: 60_000,
    intervalMs: 200,
    token: process.env.HIVE_API_TOKEN,
    giveUp: () => stopping,
  });
  if (!ready && !stopping) throw new Error(`the server did not answer on ${url} within 60 s`);
}

async function main(): Promise<void> {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void stopAll(0));
  start(
    'server',
    [...SERVER_NODE_FLAGS, path.join(PROJECT, 'node_modules/next/dist/bin/next'), 'start', '-p', port, '-H', host],
    {
      UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? '16',
    },
  );
  await waitForServer();
  // In PostgreSQL there are no hive files: the bee works over HTTP, as bees on other machines do.
  const inDatabase = Boolean(process.env.HIVE_DATABASE_URL);
  const where = inDatabase ? ['--url', url] : ['--root', root];
  start('bee', ['--import', 'tsx', path.join(PROJECT, 'scripts/bee.ts'), '--bot', bot, ...where]);
  console.log(
    [
      '',
      `  Hive Control is up: ${url}  (hive: ${inDatabase ? 'in PostgreSQL (HIVE_DATABASE_URL)' : path.join(root, '.deia')})`,
      inDatabase
        ? `  A reference bee (${bot}) answers tasks over HTTP.`
        : `  A reference bee (${bot}) answers tasks in .deia/hive/tasks/${bot}/.`,
      `  Try: curl -X POST ${url}/api/tasks/run -H "Content-Type: application/json" \\`,
      `         -d '{"intent": "code", "title": "Create hello.py", "summary": "Write a hello world script", "wait_for_response": true}'`,
      '  Ctrl-C stops the server and the bee.',
      '',
    ].join('\n'),
  );
}

main().catch((err: unknown) => {
  console.error(`[start] ${(err as Error).message}`);
  void stopAll(1);
});
