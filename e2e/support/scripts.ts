/** The project's scripts (the `hive` CLI, the reference bee) as child processes, driven and read as they run. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

export interface Running {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout + stderr match, so a test can act at the right moment. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** tsx's loader by path, so a script can run from any working directory. */
const TSX_LOADER = path.join(PROJECT_ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs');

export interface ScriptOptions {
  /** Its working directory (default: the project). */
  cwd?: string;
  /** Runs it through this command first (`unshare … sh -c '…' --`): the script's argv follows. */
  wrapper?: string[];
}

/** Starts `scripts/{script} ARGS` with tsx, with `env` added to this process's environment. */
export function startScript(
  script: string,
  args: string[],
  env: Record<string, string> = {},
  options: ScriptOptions = {},
): Running {
  const command = [process.execPath, '--import', TSX_LOADER, path.join(PROJECT_ROOT, 'scripts', script), ...args];
  const [file, ...argv] = [...(options.wrapper ?? []), ...command];
  const child = spawn(file!, argv, {
    cwd: options.cwd ?? PROJECT_ROOT,
    env: { ...process.env, ...env },
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
