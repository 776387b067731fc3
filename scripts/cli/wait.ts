/**
 * Waiting for a task's response. The server holds the wait (`tasks.wait`, the same wait as
 * REST's wait_for_response, so a timeout is recorded in the ledger); this side shows
 * progress from status checks, woken by live events for the task and at least once a
 * second, and carries on across a server restart by asking the server again for the rest.
 */
import type { HiveClient, RouterOutputs } from './client';
import { CliError, toCliError } from './errors';
import { EXIT } from './exit-codes';

type Status = RouterOutputs['tasks']['status'];
export type Completed = Extract<Status, { content: string }>;

export type WaitResult =
  | { kind: 'completed'; response: Completed; elapsedMs: number }
  | { kind: 'timeout'; lastStatus: string; elapsedMs: number }
  /** Cancelled while waited for: no response will come. */
  | { kind: 'cancelled'; elapsedMs: number }
  | { kind: 'interrupted'; lastStatus: string; elapsedMs: number };

export interface WaitOptions {
  taskId: string;
  timeoutMs: number;
  /** When the clock started (before the dispatch), so elapsed time is the whole wait. */
  startedAt: number;
  url: string;
  signal?: AbortSignal;
  /** Called about once a second and on every change; `problem` is set while the server cannot be reached. */
  onProgress(update: { status: string; elapsedMs: number; problem: string | null }): void;
}

const POLL_MS = 1000;
/** The server's wait is asked for whole seconds, so it may end a little after the deadline here. */
const SERVER_GRACE_MS = 2000;

export async function waitForResponse(client: HiveClient, options: WaitOptions): Promise<WaitResult> {
  const { taskId, startedAt, signal } = options;
  const deadline = startedAt + options.timeoutMs;
  let wake: (() => void) | null = null;
  const poke = () => wake?.();
  signal?.addEventListener('abort', poke);
  const live = client.hive.live.subscribe(undefined, {
    onData: ({ data }) => {
      if (data.task_id === taskId) poke();
    },
    // The status checks carry on without the stream, so its failures are not fatal here.
    onError: () => undefined,
  });

  const stopServerWait = new AbortController();
  /** The server's wait: in progress, its outcome, or why it failed. */
  const server: {
    waiting: Promise<void> | null;
    outcome: RouterOutputs['tasks']['wait'] | null;
    failure: CliError | null;
  } = { waiting: null, outcome: null, failure: null };
  let asked = false;
  /** When the server's wait, as asked, ends. */
  let serverUntil = 0;
  const askServerToWait = () => {
    // The first ask always goes out (for at least a second), however long the dispatch took: the
    // server's wait is the one that records the timeout in the ledger.
    const seconds = Math.max(asked ? 0 : 1, Math.ceil((deadline - Date.now()) / 1000));
    if (server.waiting || server.outcome || seconds < 1) return;
    asked = true;
    serverUntil = Date.now() + seconds * 1000;
    server.waiting = client.tasks.wait
      .mutate({ task_id: taskId, timeout_seconds: Math.min(seconds, 3600) }, { signal: stopServerWait.signal })
      .then(
        (outcome) => {
          server.outcome = outcome;
        },
        (err: unknown) => {
          const error = toCliError(err, options.url);
          // Cut off by a server restart: asked again once it answers.
          if (error.exitCode !== EXIT.unreachable && !stopServerWait.signal.aborted) server.failure = error;
        },
      )
      .finally(() => {
        server.waiting = null;
        poke();
      });
  };

  let lastStatus = 'dispatched';
  let unreachable: CliError | null = null;
  try {
    for (;;) {
      if (server.failure) throw server.failure;
      const outcome = server.outcome;
      if (outcome?.status === 'completed') {
        return { kind: 'completed', response: outcome, elapsedMs: Date.now() - startedAt };
      }
      if (outcome?.status === 'timeout') return { kind: 'timeout', lastStatus, elapsedMs: Date.now() - startedAt };
      if (outcome?.status === 'cancelled') return { kind: 'cancelled', elapsedMs: Date.now() - startedAt };
      try {
        const status = await client.tasks.status.query({ task_id: taskId });
        unreachable = null;
        if ('content' in status) return { kind: 'completed', response: status, elapsedMs: Date.now() - startedAt };
        if (status.status === 'not_found') {
          throw new CliError(EXIT.notFound, `Task ${taskId} is no longer in the hive.`, { code: 'NOT_FOUND' });
        }
        if ('state' in status && status.state === 'cancelled') {
          return { kind: 'cancelled', elapsedMs: Date.now() - startedAt };
        }
        lastStatus = status.status;
        askServerToWait();
      } catch (err) {
        const error = toCliError(err, options.url);
        // A server restart mid-wait is survivable: the task is on disk, so keep asking until the deadline.
        if (error.exitCode !== EXIT.unreachable) throw error;
        unreachable = error;
      }
      const now = Date.now();
      options.onProgress({ status: lastStatus, elapsedMs: now - startedAt, problem: unreachable?.message ?? null });
      if (signal?.aborted) return { kind: 'interrupted', lastStatus, elapsedMs: now - startedAt };
      const serverDone = !server.waiting || now >= Math.max(deadline, serverUntil) + SERVER_GRACE_MS;
      if (now >= deadline && (unreachable || serverDone)) {
        if (unreachable) throw unreachable;
        return { kind: 'timeout', lastStatus, elapsedMs: now - startedAt };
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, now < deadline ? Math.min(POLL_MS, deadline - now) : POLL_MS);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = null;
    }
  } finally {
    // Ends the server's wait too (an interrupted or answered wait records no timeout).
    stopServerWait.abort();
    live.unsubscribe();
    signal?.removeEventListener('abort', poke);
  }
}
