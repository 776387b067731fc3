/**
 * What both assemblies of a hive (files, Postgres) do alike around their work: timers that
 * repeat background work and log its failures, the routing table reloaded with its
 * outcome logged, and the stop of a server that keeps every 200 true.
 */
import { log } from './log';
import type { RoutingTableStore } from './routing';

export class BackgroundWork {
  private readonly timers: NodeJS.Timeout[] = [];

  /** Runs `work` every `ms` (not keeping the process alive); a failure is logged, and the next run comes. */
  every(ms: number, work: () => Promise<unknown>): void {
    const timer = setInterval(() => void work().catch((err: unknown) => log.error('background work failed', err)), ms);
    timer.unref();
    this.timers.push(timer);
  }

  stop(): void {
    for (const timer of this.timers.splice(0)) clearInterval(timer);
  }
}

export async function reloadRouting(routing: RoutingTableStore): Promise<void> {
  const result = await routing.reload();
  if (!result.ok) log.warnOnce(`routing:${result.error}`, result.error);
  else if (result.changed) log.info(`routing table in force: ${result.active.source}`);
}

/**
 * For a stopping server: pending waits end at once with SHUTTING_DOWN, new dispatches are
 * refused with it, dispatches in flight finish (so every 200 stays true), then the hive
 * closes. Live-stream clients see their connection drop and resume from their last event
 * id on the next server.
 */
export async function shutDown(
  hive: {
    executor: { stopAccepting(): void; settled(ms: number): Promise<void> };
    waiters: { closeAll(): void };
    close(): Promise<void>;
  },
  graceMs: number,
): Promise<void> {
  hive.executor.stopAccepting();
  hive.waiters.closeAll();
  await hive.executor.settled(graceMs);
  await hive.close();
}
