/**
 * Bees long-polling for a task (DESIGN §8). A waiting claim is a promise and a timer, no
 * more: no thread, file handle or database work while it waits. When a task starts waiting
 * in a bot's inbox, the bee that has waited longest for that bot is woken to claim it.
 */
interface Waiting {
  bots: ReadonlySet<string>;
  wake: () => void;
}

/** Ledger events after which a task may be waiting for a bee: each wakes a claim for its bot. */
export const WAITING_AGAIN: ReadonlySet<string> = new Set([
  'task_dispatched',
  'task_released',
  'task_claim_released',
  'task_claim_expired',
  'task_reassigned',
]);

export class ClaimWaiters {
  /** In arrival order, so the longest wait is woken first. */
  private readonly waiting = new Set<Waiting>();

  get size(): number {
    return this.waiting.size;
  }

  /** Resolves when a task may be there for one of `bots`, when `ms` pass, or when `signal` aborts. */
  wait(bots: readonly string[], ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const entry: Waiting = { bots: new Set(bots), wake: () => done() };
      const timer = setTimeout(() => done(), Math.max(0, ms));
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.waiting.delete(entry);
        resolve();
      };
      if (signal?.aborted) return done();
      signal?.addEventListener('abort', done, { once: true });
      this.waiting.add(entry);
    });
  }

  /** Wakes the longest-waiting claim for `botId`; false when none waits for it. */
  wakeOne(botId: string): boolean {
    for (const entry of this.waiting) {
      if (!entry.bots.has(botId)) continue;
      entry.wake();
      return true;
    }
    return false;
  }

  /** Ends every wait (the hive is closing): each claim answers with what it has, nothing. */
  wakeAll(): void {
    for (const entry of [...this.waiting]) entry.wake();
  }
}
