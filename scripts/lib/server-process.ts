/**
 * Starts the real production server (`next start`) as a child process on a free port
 * against a given HIVE_ROOT, and waits until it is ready. Used by the e2e tests and the bench.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
const NEXT_BIN = path.join(PROJECT_ROOT, 'node_modules', 'next', 'dist', 'bin', 'next');

export interface ServerProcess {
  url: string;
  port: number;
  root: string;
  child: ChildProcess;
  /** Everything the server printed, for failure messages. */
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** A fresh HIVE_ROOT; under the test run's own folder when there is one (removed at the end of the run). */
export async function tempHiveRoot(prefix = 'hive-'): Promise<string> {
  return mkdtemp(path.join(process.env.HIVE_TEST_TMP ?? os.tmpdir(), prefix));
}

/**
 * V8 flags the server runs with (npm run serve and npm run up pass the same). V8 grows a
 * small heap up to fourfold at a time, and a burst of dispatches left the server holding
 * ~300 MiB of mostly garbage long after (a full GC brought it back to ~40 MiB); growing it
 * by 20% at a time kept it near 175 MiB at the same dispatch rate, with no cap to run into.
 * NODE_OPTIONS does not take this flag, so it goes on the command line.
 */
export const SERVER_NODE_FLAGS = ['--heap-growing-percent=20'];

export interface StartOptions {
  root?: string;
  port?: number;
  env?: Record<string, string>;
  /** Flags for the server's Node (before Next's script), e.g. --cpu-prof, which NODE_OPTIONS does not take. */
  nodeArgs?: string[];
  readyTimeoutMs?: number;
}

export async function startServer(options: StartOptions = {}): Promise<ServerProcess> {
  const root = options.root ?? (await tempHiveRoot());
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  let log = '';
  const args = [
    ...SERVER_NODE_FLAGS,
    ...(options.nodeArgs ?? []),
    NEXT_BIN,
    'start',
    '-p',
    String(port),
    '-H',
    '127.0.0.1',
  ];
  const child = spawn(process.execPath, args, {
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      NEXT_TELEMETRY_DISABLED: '1',
      // The hive's own SIGTERM handler shuts down (server/startup.ts); Next's would exit 143 before it finished.
      NEXT_MANUAL_SIG_HANDLE: '1',
      UV_THREADPOOL_SIZE: '16',
      HIVE_ROOT: root,
      // Postgres mode: the mirror of a test's hive goes with the test's HIVE_ROOT, not into the shared temp dir.
      HIVE_MIRROR_DIR: path.join(root, 'mirror'),
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const server: ServerProcess = {
    url,
    port,
    root,
    child,
    output: () => log,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };

  const ready = await waitForHealth(url, {
    timeoutMs: options.readyTimeoutMs ?? 30_000,
    token: options.env?.HIVE_API_TOKEN ?? process.env.HIVE_API_TOKEN,
    giveUp: () => child.exitCode !== null,
  });
  if (ready) return server;
  if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode} before it was ready:\n${log}`);
  await server.stop('SIGKILL');
  throw new Error(`server did not become ready within the timeout:\n${log}`);
}

/** Runs `work` against a server of its own on a hive of its own; both are gone afterwards, whatever happened. */
export async function withServer<T>(
  work: (server: ServerProcess) => Promise<T>,
  options: Omit<StartOptions, 'root'> = {},
): Promise<T> {
  const server = await startServer(options);
  try {
    return await work(server);
  } finally {
    await server.stop();
    await rm(server.root, { recursive: true, force: true });
  }
}

/**
 * Polls `GET /api/health` (with the API token, if any) until it answers 200: true, or
 * false after `timeoutMs` or once `giveUp()` says so.
 */
export async function waitForHealth(
  url: string,
  options: { timeoutMs: number; token?: string; intervalMs?: number; giveUp?: () => boolean },
): Promise<boolean> {
  const headers: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};
  for (const deadline = Date.now() + options.timeoutMs; Date.now() < deadline;) {
    if (options.giveUp?.()) return false;
    try {
      if ((await fetch(`${url}/api/health`, { headers })).ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 50));
  }
  return false;
}
