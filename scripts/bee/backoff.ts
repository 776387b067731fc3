/** Waiting for a server that cannot be reached: how long, what to call the failure, and an abortable sleep. */

/**
 * Exponential backoff with jitter: the nominal wait doubles from `firstMs` up to `maxMs`, and
 * the actual wait is a random part of its upper half, so bees that lost the same server do
 * not all come back in the same millisecond.
 */
export function backoffDelay(attempt: number, firstMs: number, maxMs: number): { nominalMs: number; delayMs: number } {
  const nominalMs = Math.min(maxMs, firstMs * 2 ** Math.min(attempt, 30));
  return { nominalMs, delayMs: nominalMs / 2 + Math.random() * (nominalMs / 2) };
}

/** `0.25 s`, `2 s`: short enough for a log line. */
export function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(2))} s`;
}

/** fetch's TypeError hides the reason (ECONNREFUSED, ECONNRESET, a timeout) in its cause. */
export function describeNetworkError(err: unknown): string {
  const error = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (error.name === 'TimeoutError') return 'no reply in time';
  // undici's name for a connection the server closed mid-request (a server killed, a long-poll cut with it).
  if (error.cause?.code === 'UND_ERR_SOCKET') return 'connection cut';
  return error.cause?.code ?? error.cause?.message ?? error.message ?? String(err);
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
