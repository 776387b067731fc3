/**
 * Work for one key at a time, in the order it was asked for. The hive notices a task's
 * claim, status and response from several places at once (a create and a write event, the
 * start-up scan, the poll); each check runs after the previous one for that task has
 * recorded what it found, so a fact noticed twice is recorded once.
 */
export class PerKeyQueue {
  private readonly tails = new Map<string, Promise<void>>();
  private stopped = false;

  /** Runs `work` after the work already asked for `key`; once stopped, runs nothing and resolves to undefined. */
  run<T>(key: string, work: () => Promise<T>): Promise<T | undefined> {
    if (this.stopped) return Promise.resolve(undefined);
    const previous = this.tails.get(key) ?? Promise.resolve();
    const next = previous.then(work);
    const tail = next.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }

  /** Takes no more work, and resolves once the work already asked for is done. */
  async stop(): Promise<void> {
    const pending = [...this.tails.values()];
    this.stopped = true;
    await Promise.all(pending);
  }
}
