/**
 * The two-step stop of a long-running worker (a bee, a bridge): the first SIGINT/SIGTERM
 * stops taking work and lets the work in hand finish; every later one stops at once.
 */
export interface Stoppable {
  /** What is in hand right now, for the first signal's message. */
  readonly taskInHand: string | null;
  stopNow(): Promise<void>;
}

/** Resolves on the first signal; every later one calls `stopNow()`. */
export function onStopSignals(worker: Stoppable, log: (line: string) => void): Promise<void> {
  return new Promise((resolve) => {
    let received = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      if (received++ === 0) {
        const task = worker.taskInHand;
        log(
          task
            ? `${signal}: stopping after the task in hand (${task}); ${signal} again ends its command and gives it back`
            : `${signal}: stopping`,
        );
        return resolve();
      }
      log(`${signal} again: stopping now`);
      void worker.stopNow();
    };
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, onSignal);
  });
}
