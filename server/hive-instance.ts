/**
 * The process's one hive: files + SQLite under HIVE_ROOT (the default), or PostgreSQL when
 * HIVE_DATABASE_URL is set. It lives on globalThis because Next evaluates server modules
 * more than once (per route bundle, and again on every dev reload); a second watcher or
 * ledger connection on the same files would double-count events.
 */
import 'server-only';
import { Hive } from './core/hive';
import type { HiveService } from './core/service';
import { env } from './env';
import { PgHive } from './store/pg/pg-hive';

/** What the transports and start-up use of a hive, whichever store holds it. */
export interface OpenHive {
  readonly service: HiveService;
  shutdown(graceMs?: number): Promise<void>;
}

const globalForHive = globalThis as unknown as { hiveControl?: Promise<OpenHive> };

function openHive(): Promise<OpenHive> {
  const common = {
    root: env.HIVE_ROOT,
    maxWaiters: env.HIVE_MAX_WAITERS,
    longRunningMs: env.HIVE_LONG_RUNNING_S * 1000,
    leaseMs: env.HIVE_LEASE_SECONDS * 1000,
  };
  if (env.HIVE_DATABASE_URL) {
    return PgHive.open({
      ...common,
      databaseUrl: env.HIVE_DATABASE_URL,
      pollMs: Math.min(env.HIVE_POLL_MS, 1000),
      mirrorDir: env.HIVE_MIRROR_DIR,
    });
  }
  return Hive.open({ ...common, pollMs: env.HIVE_POLL_MS, responseQuietMs: env.HIVE_RESPONSE_QUIET_MS });
}

export function getHive(): Promise<OpenHive> {
  globalForHive.hiveControl ??= openHive().catch((err: unknown) => {
    globalForHive.hiveControl = undefined;
    throw err;
  });
  return globalForHive.hiveControl;
}
