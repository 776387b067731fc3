/** The `hive` CLI as a child process, as a person or a script runs it, for the e2e specs. */
import { startScript, type Running } from './scripts';

export type { Running };
export const EXIT = { ok: 0, invalidInput: 2, notFound: 3, timeout: 4, unreachable: 5 };

/** Starts `hive ARGS` against the server at `url`; the test drives it and reads its output as it comes. */
export function start(args: string[], url: string): Running {
  return startScript('hive.ts', args, { HIVE_URL: url });
}

/** Runs `hive ARGS` to the end. */
export const hive = (args: string[], url: string) => start(args, url).done;
