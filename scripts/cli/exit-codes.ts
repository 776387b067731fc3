/** The CLI's exit codes: what each one means, for scripts and for `--help`. */

export const EXIT = {
  ok: 0,
  /** The server answered with an error that is not the caller's input (internal, storage, overload). */
  serverError: 1,
  /** Bad flags, missing flags, or the server refused the input (BAD_REQUEST). */
  invalidInput: 2,
  notFound: 3,
  timeout: 4,
  unreachable: 5,
  /** The server wants an API token (HIVE_API_TOKEN) and none, or a wrong one, was sent. */
  unauthorized: 6,
  /** The server refused because of the hive's state (409): the task is finished, claimed, already exists… */
  conflict: 7,
  /** A batch ran, but some of its items failed (run-many, bulk --wait); the rest were done. */
  someFailed: 8,
  /** `hive bots --check` found warnings (no live bee, stale claims, long-running tasks). */
  warnings: 9,
  /** Stopped by Ctrl-C while waiting; the task (or bulk action) carries on. */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const EXIT_CODE_HELP = `Exit codes:
  0    done
  1    the server failed (internal error, storage unavailable, too many waiters)
  2    invalid input: unknown or missing flags, or the server refused the input
  3    not found: no task (or bulk action) with that id
  4    timeout: no response within --timeout seconds
  5    server unreachable: nothing answered at --url / HIVE_URL
  6    unauthorized: the server needs its API token in HIVE_API_TOKEN
  7    conflict: refused because of the task's state (already finished, claimed, id taken),
       or a task waited for was cancelled; the server's reason is printed
  8    some items failed (run-many, bulk --wait); the others were done
  9    warnings found (bots --check)
  130  interrupted (Ctrl-C) while waiting; the task or bulk action carries on`;
