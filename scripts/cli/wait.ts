/**
 * Waiting for a task's response from the client side: live events for the task wake a
 * status check at once, and a check every second covers events the stream missed (it starts
 * at the ledger tip, possibly after the task's first events) or a stream that cannot connect.
 */
import type { HiveClient, RouterOutputs } from './client';
import { CliError, toCliError } from './errors';
import { EXIT } from './exit-codes';

type Status = RouterOutputs['tasks']['status'];
export type Completed = Extract<Status, { content: string }>;

export type WaitResult =
  | { kind: 'completed'; response: Completed; elapsedMs: number }
  | { kind: 'timeout'; lastStatus: string; elapsedMs: number }
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
    // The poll carries on without the stream, so its failures are not fatal here.
    onError: () => undefined,
  });

  let lastStatus = 'dispatched';
  let unreachable: CliError | null = null;
  try {
    for (;;) {
      try {
        const status = await client.tasks.status.query({ task_id: taskId });
        unreachable = null;
        if ('content' in status) return { kind: 'completed', response: status, elapsedMs: Date.now() - startedAt };
        if (status.status === 'not_found') {
          throw new CliError(EXIT.notFound, `Task ${taskId} is no longer in the hive.`, { code: 'NOT_FOUND' });
        }
        lastStatus = status.status;
      } catch (err) {
        const error = toCliError(err, options.url);
        // A server restart mid-wait is survivable: the task is on disk, so keep asking until the deadline.
        if (error.exitCode !== EXIT.unreachable) throw error;
        unreachable = error;
      }
      const now = Date.now();
      options.onProgress({ status: lastStatus, elapsedMs: now - startedAt, problem: unreachable?.message ?? null });
      if (signal?.aborted) return { kind: 'interrupted', lastStatus, elapsedMs: now - startedAt };
      if (now >= deadline) {
        if (unreachable) throw unreachable;
        return { kind: 'timeout', lastStatus, elapsedMs: now - startedAt };
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(POLL_MS, deadline - now));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = null;
    }
  } finally {
    live.unsubscribe();
    signal?.removeEventListener('abort', poke);
  }
}
