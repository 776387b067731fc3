/**
 * Servers of one hive in PostgreSQL, for tests: a database of its own per test (on the real
 * PostgreSQL the harness starts), servers opened through the real PgHive.open, raw clients
 * for what a test does behind the servers' backs. Everything is undone by `cleanup`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createTestDatabase } from '../../scripts/lib/postgres';
import { PgHive, type PgHiveOptions } from '../store/pg/pg-hive';

export interface PgHives {
  url: string;
  /** Another server on the same database (its mirror in a folder of its own, unless `mirrorDir` says otherwise). */
  server(options?: Partial<PgHiveOptions>): Promise<PgHive>;
  /** A plain connection to the database, as another program would hold one. */
  client(): Promise<pg.Client>;
  cleanup(): Promise<void>;
}

export async function pgHives(label = 'store'): Promise<PgHives> {
  const db = await createTestDatabase(label);
  const undo: (() => Promise<unknown>)[] = [() => db.drop()];
  return {
    url: db.url,
    async server(options = {}) {
      const root = await mkdtemp(path.join(os.tmpdir(), 'hive-pg-root-'));
      undo.push(() => rm(root, { recursive: true, force: true }));
      const hive = await PgHive.open({
        databaseUrl: db.url,
        root,
        pollMs: 200,
        mirrorDir: path.join(root, 'mirror'),
        ...options,
      });
      undo.push(() => hive.close());
      return hive;
    },
    async client() {
      const c = new pg.Client({ connectionString: db.url });
      // A connection the test ends (or the drop ends) must not be an uncaught error.
      c.on('error', () => undefined);
      await c.connect();
      undo.push(() => c.end().catch(() => undefined));
      return c;
    },
    async cleanup() {
      for (const step of undo.splice(0).reverse()) await step();
    },
  };
}
