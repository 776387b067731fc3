/** Reads the real ledger of a test hive (read-only), to check what the server recorded. */
import path from 'node:path';
import Database from 'better-sqlite3';

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
