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

/** A place among the waiters, taken before any work so that a refusal (429) leaves nothing behind. */
export interface WaitSlot {
  /** Gives the place back; safe to call more than once. */
  release(): void;
}

export class Waiters<T> {
  private readonly byTask = new Map<string, Set<Waiter<T>>>();
  private count = 0;
  private closed = false;

  constructor(private readonly limit: number) {}

  /** Waits in progress plus places reserved for dispatches about to wait. */
  get pending(): number {
    return this.count;
  }

  /** Takes a place, or throws TOO_MANY_WAITERS when all are taken. */
  reserve(): WaitSlot {
    if (this.count >= this.limit) {
      throw new HiveError(
        'TOO_MANY_WAITERS',
        `${this.count} requests are already waiting for responses (limit ${this.limit}); retry later, or dispatch without wait_for_response and poll the status.`,
      );
    }
    this.count++;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.count--;
      },
    };
  }

  /** Waits in the given place (or takes one now); the place is given back however the wait ends. */
  wait(taskId: string, timeoutMs: number, signal?: AbortSignal, slot?: WaitSlot): Promise<WaitResult<T>> {
    if (this.closed) {
      slot?.release();
      return Promise.resolve({ kind: 'shutdown' });
    }
    const place = slot ?? this.reserve();
    if (signal?.aborted) {
      place.release();
      return Promise.resolve({ kind: 'aborted' });
    }
    return new Promise((resolve) => {
      let set = this.byTask.get(taskId);
      if (!set) this.byTask.set(taskId, (set = new Set()));
      const waiters = set;
      const onAbort = () => waiter.settle({ kind: 'aborted' });
      const timer = setTimeout(() => waiter.settle({ kind: 'timeout' }), timeoutMs);
      const waiter: Waiter<T> = {
        settle: (result) => {
          if (!waiters.delete(waiter)) return;
          place.release();
          if (waiters.size === 0 && this.byTask.get(taskId) === waiters) this.byTask.delete(taskId);
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          resolve(result);
        },
      };
      waiters.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Ends every wait (the server is stopping), so no request holds the shutdown open. */
  closeAll(): void {
    this.closed = true;
    for (const waiters of [...this.byTask.values()]) {
      for (const waiter of [...waiters]) waiter.settle({ kind: 'shutdown' });
    }
  }

  /** Whether any request waits for the task now (so a store need not fetch an answer nobody awaits). */
  has(taskId: string): boolean {
    return this.byTask.has(taskId);
  }

  wake(taskId: string, value: T): void {
    for (const waiter of [...(this.byTask.get(taskId) ?? [])]) waiter.settle({ kind: 'woken', value });
  }
}
