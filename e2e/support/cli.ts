/** The `hive` CLI as a child process, as a person or a script runs it, for the e2e specs. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
const ENTRY = path.join(PROJECT_ROOT, 'scripts', 'hive.ts');
export const EXIT = {
  ok: 0,
  invalidInput: 2,
  notFound: 3,
  timeout: 4,
  unreachable: 5,
  conflict: 7,
  someFailed: 8,
  warnings: 9,
};

/** An id no other test uses (letters, digits and '-', as bot and task ids allow), so filters see one test's tasks. */
export const uniqueId = (prefix: string) =>
  `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

export interface Running {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout + stderr match, so a test can act at the right moment. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** Starts `hive ARGS` against the server at `url`; the test drives it and reads its output as it comes. */
export function start(args: string[], url: string): Running {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, HIVE_URL: url },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  const changed = () => listeners.forEach((l) => l());
  child.stdout.on('data', (d: Buffer) => ((out += d.toString()), changed()));
  child.stderr.on('data', (d: Buffer) => ((err += d.toString()), changed()));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once('close', (code) => resolve({ code, stdout: out, stderr: err })),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    done,
    waitFor: (pattern, timeoutMs = 10_000) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (pattern.test(out + err)) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve();
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no ${pattern} within ${timeoutMs} ms; stdout:\n${out}\nstderr:\n${err}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      }),
  };
}

/** Runs `hive ARGS` to the end. */
export const hive = (args: string[], url: string) => start(args, url).done;
