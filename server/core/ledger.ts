/**
 * The append-only ledger in SQLite. Appends from concurrent requests are grouped into
 * one transaction per event-loop turn (group commit), so durability costs one fsync per
 * batch rather than one per event. The database itself refuses UPDATE and DELETE.
 *
 * With a `writer` (Postgres mode), the events commit elsewhere and this file is the
 * server's mirror of them: committed events come back through `ingest`, in id order, and
 * every read (timelines, the live stream, the read models) is served from here.
 */
import { EventEmitter } from 'node:events';
import Database from 'better-sqlite3';
import type { LedgerEvent, LedgerEventType, TerminalEventType } from '../contracts/ledger';
import { HiveError, storageError } from './errors';
import { migrate } from './sqlite-schema';

export interface NewLedgerEvent {
  event_type: LedgerEventType;
  task_id: string | null;
  actor: string;
  data?: Record<string, unknown>;
  ts?: string;
}

/** Schema steps, applied once each (sqlite-schema.ts); a change is a new step, never an edit. */
const SCHEMA = [
  `
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  ts TEXT NOT NULL,
  event_type TEXT NOT NULL,
  task_id TEXT,
  actor TEXT NOT NULL,
  data TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(data))
);
CREATE INDEX IF NOT EXISTS events_by_task ON events (task_id, id);
CREATE UNIQUE INDEX IF NOT EXISTS events_completed_once ON events (task_id) WHERE event_type = 'task_completed';
CREATE TRIGGER IF NOT EXISTS events_refuse_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'ledger is append-only: UPDATE refused'); END;
CREATE TRIGGER IF NOT EXISTS events_refuse_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'ledger is append-only: DELETE refused'); END;
`,
  // A task ends once: completed or cancelled, never both, never twice.
  `
DROP INDEX IF EXISTS events_completed_once;
CREATE UNIQUE INDEX IF NOT EXISTS events_terminal_once ON events (task_id) WHERE event_type IN ('task_completed', 'task_cancelled');
`,
];

/** An events row as SQLite returns it (data still JSON text). */
export interface LedgerRow {
  id: number;
  ts: string;
  event_type: string;
  task_id: string | null;
  actor: string;
  data: string;
}

/** A batch of appends as a writer commits it: `once` marks a terminal event a task may already have. */
export type PendingAppend = { event: NewLedgerEvent; once: boolean };

/** Where events commit when it is not this file (Postgres mode): the store's side of the ledger. */
export interface EventWriter {
  /** Commits the batch in one transaction; each row as committed, or null for a terminal event the task had. */
  commit(batch: readonly PendingAppend[]): Promise<(LedgerEvent | null)[]>;
  /** Resolves once this mirror holds every committed event up to `id`. */
  reach(id: number): Promise<void>;
}

interface Pending {
  event: NewLedgerEvent;
  /** A terminal event is recorded at most once per task; a repeat resolves to null. */
  once: boolean;
  resolve: (row: LedgerEvent | null) => void;
  reject: (err: unknown) => void;
}

export function toEvent(row: LedgerRow): LedgerEvent {
  return {
    ...row,
    event_type: row.event_type as LedgerEventType,
    data: JSON.parse(row.data) as Record<string, unknown>,
  };
}

export class Ledger {
  /** Emits 'appended' with each committed batch, in id order, and 'closing' before it closes. */
  readonly events = new EventEmitter();
  /** Shared with the projections (read models) kept in the same file. */
  readonly db: Database.Database;
  private readonly projections: ((events: LedgerEvent[]) => void)[] = [];
  private readonly statements;
  private pending: Pending[] = [];
  private flushScheduled = false;

  constructor(
    file: string,
    private readonly writer: EventWriter | null = null,
  ) {
    this.db = new Database(file, { timeout: 0 });
    if (writer) {
      // A mirror is one server's own: the first write locks the file until it closes, so a
      // second server on this machine takes another file rather than sharing this one.
      this.db.pragma('locking_mode = EXCLUSIVE');
      try {
        this.db.exec('BEGIN EXCLUSIVE; COMMIT');
      } catch (err) {
        this.db.close();
        throw err;
      }
    }
    this.db.pragma('journal_mode = WAL');
    // FULL: a commit is on disk before the request it belongs to is answered. A mirror is
    // rebuilt from the store it mirrors, so it need not be durable itself.
    this.db.pragma(writer ? 'synchronous = OFF' : 'synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    migrate(this.db, 'ledger', SCHEMA);
    const values = 'INTO events (ts, event_type, task_id, actor, data) VALUES (?, ?, ?, ?, ?) RETURNING *';
    // Prepared once: the live stream, timelines and health call these on every request.
    this.statements = {
      insert: this.db.prepare(`INSERT ${values}`),
      insertOnce: this.db.prepare(`INSERT OR IGNORE ${values}`),
      mirror: this.db.prepare(
        'INSERT OR IGNORE INTO events (id, ts, event_type, task_id, actor, data) VALUES (?, ?, ?, ?, ?, ?) RETURNING *',
      ),
      forTask: this.db.prepare('SELECT * FROM events WHERE task_id = ? ORDER BY id'),
      after: this.db.prepare('SELECT * FROM events WHERE id > ? ORDER BY id LIMIT ?'),
      completed: this.db.prepare("SELECT 1 FROM events WHERE task_id = ? AND event_type = 'task_completed'"),
      finished: this.db.prepare(
        "SELECT event_type FROM events WHERE task_id = ? AND event_type IN ('task_completed', 'task_cancelled')",
      ),
      lastId: this.db.prepare('SELECT COALESCE(MAX(id), 0) AS id FROM events'),
      forBulk: this.db.prepare(
        "SELECT * FROM events WHERE event_type IN ('bulk_started', 'bulk_finished') AND json_extract(data, '$.bulk_id') = ? ORDER BY id",
      ),
    };
    this.events.setMaxListeners(0);
  }

  /**
   * Registers a read model updated inside the same transaction as the events it
   * derives from, so the two can never disagree, even after a crash.
   */
  project(apply: (events: LedgerEvent[]) => void): void {
    this.projections.push(apply);
  }

  /** Every event in id order, a page at a time (for rebuilding a projection). */
  *all(pageSize = 5000): Generator<LedgerEvent> {
    for (let last = 0; ;) {
      const page = this.after(last, pageSize);
      yield* page;
      if (page.length < pageSize) return;
      last = page[page.length - 1]!.id;
    }
  }

  append(event: NewLedgerEvent): Promise<LedgerEvent> {
    return this.enqueue(event, false) as Promise<LedgerEvent>;
  }

  appendAll(events: NewLedgerEvent[]): Promise<LedgerEvent[]> {
    return Promise.all(events.map((e) => this.append(e)));
  }

  /** Records the task's end (completed or cancelled) unless it already has one; resolves to null then. */
  recordTerminal(event: NewLedgerEvent & { event_type: TerminalEventType }): Promise<LedgerEvent | null> {
    return this.enqueue(event, true);
  }

  forTask(taskId: string): LedgerEvent[] {
    return (this.statements.forTask.all(taskId) as LedgerRow[]).map(toEvent);
  }

  /** The start and end of a bulk action. */
  forBulk(bulkId: string): LedgerEvent[] {
    return (this.statements.forBulk.all(bulkId) as LedgerRow[]).map(toEvent);
  }

  after(lastId: number, limit = 1000): LedgerEvent[] {
    return (this.statements.after.all(lastId, limit) as LedgerRow[]).map(toEvent);
  }

  isCompleted(taskId: string): boolean {
    return this.statements.completed.get(taskId) !== undefined;
  }

  /** The task's terminal event type, if it has ended. */
  finished(taskId: string): TerminalEventType | null {
    return (this.statements.finished.get(taskId) as { event_type: TerminalEventType } | undefined)?.event_type ?? null;
  }

  lastId(): number {
    return (this.statements.lastId.get() as { id: number }).id;
  }

  close(): void {
    this.events.emit('closing');
    this.flush();
    this.db.close();
  }

  /**
   * A mirror takes in events committed elsewhere, in id order, with their read models in
   * the same transaction; the ones it holds already are skipped.
   */
  ingest(events: readonly LedgerEvent[]): void {
    if (events.length === 0) return;
    const committed = this.db.transaction(() => {
      const rows = events
        .map(
          (e) =>
            this.statements.mirror.get(e.id, e.ts, e.event_type, e.task_id, e.actor, JSON.stringify(e.data)) as
              LedgerRow | undefined,
        )
        .filter((row): row is LedgerRow => row !== undefined)
        .map(toEvent);
      for (const apply of this.projections) apply(rows);
      return rows;
    })();
    if (committed.length) this.events.emit('appended', committed);
  }

  private enqueue(event: NewLedgerEvent, once: boolean): Promise<LedgerEvent | null> {
    return new Promise((resolve, reject) => {
      this.pending.push({ event, once, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    if (this.writer) {
      void this.flushTo(this.writer, batch);
      return;
    }
    let rows: (LedgerEvent | null)[];
    try {
      rows = this.db.transaction(() => {
        const inserted = batch.map(({ event, once }) => {
          const row = (once ? this.statements.insertOnce : this.statements.insert).get(
            event.ts ?? new Date().toISOString(),
            event.event_type,
            event.task_id,
            event.actor,
            JSON.stringify(event.data ?? {}),
          ) as LedgerRow | undefined;
          return row ? toEvent(row) : null;
        });
        const committed = inserted.filter((r): r is LedgerEvent => r !== null);
        for (const apply of this.projections) apply(committed);
        return inserted;
      })();
    } catch (err) {
      const failure = storageError(err, 'recording to the ledger');
      for (const p of batch) p.reject(failure);
      return;
    }
    batch.forEach((p, i) => p.resolve(rows[i] ?? null));
    const committed = rows.filter((r): r is LedgerEvent => r !== null);
    if (committed.length) this.events.emit('appended', committed);
  }

  /** Commits elsewhere, then answers once the mirror holds the batch (a read after the reply sees it). */
  private async flushTo(writer: EventWriter, batch: Pending[]): Promise<void> {
    try {
      const rows = await writer.commit(batch);
      const last = Math.max(0, ...rows.map((r) => r?.id ?? 0));
      if (last) await writer.reach(last);
      batch.forEach((p, i) => p.resolve(rows[i] ?? null));
    } catch (err) {
      const failure = HiveError.is(err) ? err : storageError(err, 'recording to the ledger');
      for (const p of batch) p.reject(failure);
    }
  }
}
