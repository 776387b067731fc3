/** Reads the real ledger of a test hive (read-only), to check what the server recorded. */
import path from 'node:path';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import type { StoreServer } from './store';

export interface LedgerRow {
  id: number;
  event_type: string;
  task_id: string | null;
  data: string;
}

export function readLedger(root: string, taskId?: string): LedgerRow[] {
  const db = new Database(path.join(root, '.deia', 'ledger.db'), { readonly: true });
  try {
    const sql = `SELECT id, event_type, task_id, data FROM events ${taskId ? 'WHERE task_id = ?' : ''} ORDER BY id`;
    return db.prepare(sql).all(...(taskId ? [taskId] : [])) as LedgerRow[];
  } finally {
    db.close();
  }
}

/**
 * The ids of the ledger's events after `afterId`, in order, read from where the server stored them (its
 * SQLite file, or the events table of its database on Postgres): the oracle for a test of the live
 * stream, which must not be checked against the stream itself.
 */
export async function storedEventIds(server: StoreServer, afterId = 0): Promise<number[]> {
  if (!server.databaseUrl) return readLedger(server.root).flatMap((e) => (e.id > afterId ? [e.id] : []));
  const db = new Client({ connectionString: server.databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{ id: string }>('SELECT id FROM events WHERE id > $1 ORDER BY id', [afterId]);
    return rows.map((row) => Number(row.id));
  } finally {
    await db.end();
  }
}

/**
 * Drops the ledger's unique index on terminal events, so that "exactly one completion"
 * checks test the server's own once-only path rather than the database's safety net.
 * Schema steps run once (server/core/sqlite-schema.ts), so it stays dropped across restarts.
 */
export function dropCompletionGuard(root: string): void {
  const db = new Database(path.join(root, '.deia', 'ledger.db'));
  try {
    db.exec('DROP INDEX IF EXISTS events_completed_once; DROP INDEX IF EXISTS events_terminal_once;');
  } finally {
    db.close();
  }
}
