/**
 * Following a bulk action to its end: its status asked twice a second, carrying on across a
 * server that cannot be reached for a while (a server that restarts ends the job, and then
 * says so: interrupted).
 */
import type { HiveClient, RouterOutputs } from './client';
import { toCliError } from './errors';
import { EXIT } from './exit-codes';

export type BulkStatus = RouterOutputs['bulk']['status'];

export type BulkWaitResult = { kind: 'ended'; status: BulkStatus } | { kind: 'interrupted'; status: BulkStatus | null };

export interface BulkWaitOptions {
  url: string;
  signal?: AbortSignal;
  /** Called with every status read, and with `problem` set while the server cannot be reached. */
  onProgress(status: BulkStatus | null, problem: string | null): void;
}

const POLL_MS = 500;

export async function waitForBulk(
  client: HiveClient,
  bulkId: string,
  options: BulkWaitOptions,
): Promise<BulkWaitResult> {
  const { signal } = options;
  let last: BulkStatus | null = null;
  for (;;) {
    try {
      last = await client.bulk.status.query({ bulk_id: bulkId }, { signal });
      options.onProgress(last, null);
      if (last.state !== 'running') return { kind: 'ended', status: last };
    } catch (err) {
      if (signal?.aborted) return { kind: 'interrupted', status: last };
      const error = toCliError(err, options.url);
      if (error.exitCode !== EXIT.unreachable) throw error;
      options.onProgress(last, error.message);
    }
    if (signal?.aborted) return { kind: 'interrupted', status: last };
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', done);
        resolve();
      }, POLL_MS);
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}
