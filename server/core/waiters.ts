/**
 * Requests waiting for a task's response. Each waiter is woken by the response file's
 * event, by its timeout, or dropped when its client goes away; the total is bounded so
 * that waits cannot pile up without limit.
 */
import { HiveError } from './errors';

export type WaitResult<T> =
  { kind: 'woken'; value: T } | { kind: 'timeout' } | { kind: 'aborted' } | { kind: 'shutdown' };

interface Waiter<T> {
  settle: (result: WaitResult<T>) => void;
}

export class Waiters<T> {
  private readonly byTask = new Map<string, Set<Waiter<T>>>();
  private count = 0;
  private closed = false;

  constructor(private readonly limit: number) {}

  get pending(): number {
    return this.count;
  }

  /** Throws TOO_MANY_WAITERS when full: check before doing work that a wait would follow. */
  assertCapacity(): void {
    if (this.count >= this.limit) {
      throw new HiveError(
        'TOO_MANY_WAITERS',
        `${this.count} requests are already waiting for responses (limit ${this.limit}); retry later or poll status instead.`,
      );
    }
  }

  wait(taskId: string, timeoutMs: number, signal?: AbortSignal): Promise<WaitResult<T>> {
    if (this.closed) return Promise.resolve({ kind: 'shutdown' });
    this.assertCapacity();
    if (signal?.aborted) return Promise.resolve({ kind: 'aborted' });
    return new Promise((resolve) => {
      let set = this.byTask.get(taskId);
      if (!set) this.byTask.set(taskId, (set = new Set()));
      const waiters = set;
      const onAbort = () => waiter.settle({ kind: 'aborted' });
      const timer = setTimeout(() => waiter.settle({ kind: 'timeout' }), timeoutMs);
      const waiter: Waiter<T> = {
        settle: (result) => {
          if (!waiters.delete(waiter)) return;
          this.count--;
          if (waiters.size === 0 && this.byTask.get(taskId) === waiters) this.byTask.delete(taskId);
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          resolve(result);
        },
      };
      waiters.add(waiter);
      this.count++;
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  isWaitedFor(taskId: string): boolean {
    return this.byTask.has(taskId);
  }

  /** Ends every wait (the server is stopping), so no request holds the shutdown open. */
  closeAll(): void {
    this.closed = true;
    for (const waiters of [...this.byTask.values()]) {
      for (const waiter of [...waiters]) waiter.settle({ kind: 'shutdown' });
    }
  }

  wake(taskId: string, value: T): void {
    for (const waiter of [...(this.byTask.get(taskId) ?? [])]) waiter.settle({ kind: 'woken', value });
  }
}
