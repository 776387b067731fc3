/**
 * Versioned schemas for the hive's SQLite file. Each part of the database (the ledger, each
 * read model) lists its steps; a step runs once, in order, and the part's version is
 * recorded with it, so an existing `ledger.db` is brought forward and never re-created.
 */
import type Database from 'better-sqlite3';

export function migrate(db: Database.Database, part: string, steps: readonly string[]): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_versions (part TEXT PRIMARY KEY, version INTEGER NOT NULL)');
  const row = db.prepare('SELECT version FROM schema_versions WHERE part = ?').get(part) as
    { version: number } | undefined;
  const from = row?.version ?? 0;
  if (from > steps.length) {
    throw new Error(
      `${part} in this ledger.db is at schema version ${from}, newer than this server knows (${steps.length}); run a newer Hive Control.`,
    );
  }
  if (from === steps.length) return;
  db.transaction(() => {
    for (const step of steps.slice(from)) db.exec(step);
    db.prepare(
      'INSERT INTO schema_versions (part, version) VALUES (?, ?) ON CONFLICT (part) DO UPDATE SET version = excluded.version',
    ).run(part, steps.length);
  })();
}
