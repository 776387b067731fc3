/**
 * The task list as a read model of the ledger: a `task_view` table (plus a full-text
 * index of titles and summaries) updated in the same transaction as the events it comes
 * from, and rebuilt from the events if it is ever missing.
 */
import { ID_PATTERN } from '../contracts/ids';
import type { LedgerEvent } from '../contracts/ledger';
import type { TaskList, TaskListQuery, TaskRow } from '../contracts/task-list';
import type Database from 'better-sqlite3';
import type { Ledger } from './ledger';
import { migrate } from './sqlite-schema';

/** Schema steps, applied once each (sqlite-schema.ts). */
const SCHEMA = [
  `
CREATE TABLE IF NOT EXISTS task_view (
  seq INTEGER PRIMARY KEY,
  task_id TEXT NOT NULL UNIQUE,
  bot_id TEXT NOT NULL,
  intent TEXT NOT NULL,
  title TEXT NOT NULL,
  lane TEXT NOT NULL DEFAULT '',
  provider TEXT NOT NULL DEFAULT '',
  delivery_mode TEXT NOT NULL DEFAULT '',
  rule TEXT NOT NULL DEFAULT '',
  routing_source TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL,
  task_path TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  claimed_by TEXT,
  response_path TEXT,
  completed_at TEXT
);
CREATE INDEX IF NOT EXISTS task_view_status ON task_view (status, seq);
CREATE INDEX IF NOT EXISTS task_view_lane ON task_view (lane, seq);
CREATE INDEX IF NOT EXISTS task_view_provider ON task_view (provider, seq);
CREATE INDEX IF NOT EXISTS task_view_bot ON task_view (bot_id, seq);
CREATE INDEX IF NOT EXISTS task_view_intent ON task_view (intent, seq);
CREATE VIRTUAL TABLE IF NOT EXISTS task_search USING fts5 (title, summary, tokenize = 'unicode61');
`,
];

const TERMINAL = 'completed';

export class TaskView {
  private readonly statements;
  private readonly listStatements = new Map<string, Database.Statement>();

  constructor(private readonly ledger: Ledger) {
    const db = ledger.db;
    migrate(db, 'task_view', SCHEMA);
    this.statements = {
      insert: db.prepare(
        `INSERT OR IGNORE INTO task_view (seq, task_id, bot_id, intent, title, status, created_at, updated_at)
         VALUES (@seq, @task_id, @bot_id, @intent, @title, 'active', @ts, @ts)`,
      ),
      index: db.prepare('INSERT INTO task_search (rowid, title, summary) VALUES (?, ?, ?)'),
      routed: db.prepare(
        `UPDATE task_view SET lane = @lane, provider = @provider, delivery_mode = @delivery, rule = @rule,
         routing_source = @source, updated_at = @ts WHERE task_id = @task_id`,
      ),
      moved: db.prepare('UPDATE task_view SET task_path = @task_path, updated_at = @ts WHERE task_id = @task_id'),
      claimed: db.prepare('UPDATE task_view SET claimed_by = @bot, updated_at = @ts WHERE task_id = @task_id'),
      status: db.prepare(
        `UPDATE task_view SET status = @status, updated_at = @ts WHERE task_id = @task_id AND status <> '${TERMINAL}'`,
      ),
      completed: db.prepare(
        // A blocked task that answered (to say why) stays blocked in the list.
        `UPDATE task_view SET status = CASE status WHEN 'blocked' THEN 'blocked' ELSE '${TERMINAL}' END,
         response_path = @response_path, completed_at = @ts, updated_at = @ts WHERE task_id = @task_id`,
      ),
      get: db.prepare('SELECT * FROM task_view WHERE task_id = ?'),
      count: db.prepare('SELECT COUNT(*) AS n FROM task_view'),
    };
    ledger.project((events) => this.apply(events));
    this.rebuildIfEmpty();
  }

  get(taskId: string): TaskRow | undefined {
    return this.statements.get.get(taskId) as TaskRow | undefined;
  }

  list(query: TaskListQuery): TaskList {
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: query.limit + 1 };
    for (const key of ['status', 'lane', 'provider', 'bot_id', 'intent'] as const) {
      const value = query[key];
      if (value === undefined) continue;
      where.push(`${key} = @${key}`);
      params[key] = value;
    }
    if (query.cursor) {
      where.push('seq < @cursor');
      params.cursor = query.cursor;
    }
    const search = query.search?.trim();
    if (search) {
      // "TASK-2026…" is an id prefix, not words: searching its pieces as words would match every task.
      const words = looksLikeIdPrefix(search) ? '' : toFtsQuery(search);
      const byId = '(task_id >= @id_from AND task_id < @id_from || char(1114111))';
      where.push(words ? `(${byId} OR seq IN (SELECT rowid FROM task_search WHERE task_search MATCH @words))` : byId);
      params.id_from = search;
      if (words) params.words = words;
    }
    const sql = `SELECT * FROM task_view ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT @limit`;
    const rows = this.listStatement(sql).all(params) as TaskRow[];
    const items = rows.slice(0, query.limit);
    return { items, next_cursor: rows.length > query.limit ? items[items.length - 1]!.seq : null };
  }

  /** One prepared statement per filter combination (a few dozen at most), reused by every call. */
  private listStatement(sql: string) {
    let statement = this.listStatements.get(sql);
    if (!statement) this.listStatements.set(sql, (statement = this.ledger.db.prepare(sql)));
    return statement;
  }

  private apply(events: LedgerEvent[]): void {
    const s = this.statements;
    for (const event of events) {
      if (!event.task_id) continue;
      const data = event.data as Record<string, string>;
      const base = { task_id: event.task_id, ts: event.ts };
      switch (event.event_type) {
        case 'task_execution_started':
          if (
            s.insert.run({ ...base, seq: event.id, bot_id: data.bot_id, intent: data.intent, title: data.title })
              .changes
          ) {
            s.index.run(event.id, data.title ?? '', data.summary ?? '');
          }
          break;
        case 'task_routed':
          s.routed.run({
            ...base,
            lane: data.lane,
            provider: data.provider,
            delivery: data.delivery,
            rule: data.rule,
            source: data.source,
          });
          break;
        case 'task_dispatched':
        case 'task_archived':
          s.moved.run({ ...base, task_path: data.task_path });
          break;
        case 'task_claimed':
          s.claimed.run({ ...base, bot: data.bot_id ?? null });
          break;
        case 'task_status_changed':
          s.status.run({ ...base, status: data.status });
          break;
        case 'task_completed':
          s.completed.run({ ...base, response_path: data.response_path ?? null });
          break;
        default:
          break;
      }
    }
  }

  private rebuildIfEmpty(): void {
    if ((this.statements.count.get() as { n: number }).n > 0) return;
    this.ledger.db.transaction(() => {
      for (const event of this.ledger.all()) this.apply([event]);
    })();
  }
}

function looksLikeIdPrefix(search: string): boolean {
  return ID_PATTERN.test(search) && /[-._]/.test(search);
}

/** Each word as a quoted prefix term, all required: `hello wor` → `"hello"* "wor"*`. */
function toFtsQuery(search: string): string {
  const words = search.match(/[\p{L}\p{N}_]+/gu) ?? [];
  return words.map((w) => `"${w}"*`).join(' ');
}
