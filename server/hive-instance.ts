/**
 * The process's one hive. It lives on globalThis because Next evaluates server modules
 * more than once (per route bundle, and again on every dev reload); a second watcher or
 * ledger connection on the same files would double-count events.
 */
import 'server-only';
import { Hive } from './core/hive';
import { env } from './env';

const globalForHive = globalThis as unknown as { hiveControl?: Promise<Hive> };

export function getHive(): Promise<Hive> {
  globalForHive.hiveControl ??= Hive.open({
    root: env.HIVE_ROOT,
    maxWaiters: env.HIVE_MAX_WAITERS,
    pollMs: env.HIVE_POLL_MS,
    responseQuietMs: env.HIVE_RESPONSE_QUIET_MS,
    longRunningMs: env.HIVE_LONG_RUNNING_S * 1000,
    leaseMs: env.HIVE_LEASE_SECONDS * 1000,
  }).catch((err: unknown) => {
    globalForHive.hiveControl = undefined;
    throw err;
  });
  return globalForHive.hiveControl;
}
