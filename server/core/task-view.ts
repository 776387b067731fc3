/**
 * The task list as a read model of the ledger: a `task_view` table (plus a full-text
 * index of titles and summaries) kept by task-projection.ts, updated in the same
 * transaction as the events it comes from, and rebuilt from the events when it is missing
 * or its schema grew.
 */
import type Database from 'better-sqlite3';
import { ID_PATTERN } from '../contracts/ids';
import type { LedgerEvent } from '../contracts/ledger';
import type { TaskList, TaskListQuery, TaskRow } from '../contracts/task-list';
import { CLAIMED_STATES } from '../contracts/task-state';
import type { BotView } from './bot-view';
import type { Ledger } from './ledger';
import { log } from './log';
import { migrate } from './sqlite-schema';
import { projectTask } from './task-projection';

/** The list's filters without paging: what a bulk action or an export matches. */
export type TaskFilter = Omit<TaskListQuery, 'cursor' | 'limit'>;

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
  // Delivery states, claims by bee, attempts and lineage. The rows are rebuilt from the ledger.
  `
ALTER TABLE task_view ADD COLUMN state TEXT NOT NULL DEFAULT 'waiting';
ALTER TABLE task_view ADD COLUMN state_since TEXT NOT NULL DEFAULT '';
ALTER TABLE task_view ADD COLUMN claimed_by_bee TEXT;
ALTER TABLE task_view ADD COLUMN attempt INTEGER NOT NULL DEFAULT 0;
ALTER TABLE task_view ADD COLUMN retried_from TEXT;
ALTER TABLE task_view ADD COLUMN retried_by TEXT;
CREATE INDEX IF NOT EXISTS task_view_state ON task_view (state, seq);
CREATE INDEX IF NOT EXISTS task_view_bot_state ON task_view (bot_id, state, seq);
CREATE INDEX IF NOT EXISTS task_view_retried_from ON task_view (retried_from) WHERE retried_from IS NOT NULL;
DELETE FROM task_view;
DELETE FROM task_search;
`,
];

const COLUMNS = [
  'seq',
  'task_id',
  'bot_id',
  'intent',
  'title',
  'lane',
  'provider',
  'delivery_mode',
  'rule',
  'routing_source',
  'status',
  'state',
  'state_since',
  'task_path',
  'created_at',
  'updated_at',
  'claimed_by',
  'claimed_by_bee',
  'attempt',
  'response_path',
  'completed_at',
  'retried_from',
  'retried_by',
] as const satisfies readonly (keyof TaskRow)[];

/** Which tasks count as stuck right now: liveness is the server's to know, so it is passed in. */
export interface StuckCriteria {
  /** Bots served by at least one live bee. */
  liveBots: readonly string[];
  liveBees: readonly string[];
  /** In progress since before this (ISO time): running too long. */
  longRunningBefore: string;
}

export class TaskView {
  private readonly statements;
  private readonly listStatements = new Map<string, Database.Statement>();

  constructor(
    private readonly ledger: Ledger,
    private readonly bots: BotView,
  ) {
    const db = ledger.db;
    migrate(db, 'task_view', SCHEMA);
    this.statements = {
      insert: db.prepare(
        `INSERT INTO task_view (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((c) => `@${c}`).join(', ')})`,
      ),
      update: db.prepare(
        `UPDATE task_view SET ${COLUMNS.filter((c) => c !== 'seq' && c !== 'task_id')
          .map((c) => `${c} = @${c}`)
          .join(', ')} WHERE task_id = @task_id`,
      ),
      index: db.prepare('INSERT INTO task_search (rowid, title, summary) VALUES (?, ?, ?)'),
      get: db.prepare('SELECT * FROM task_view WHERE task_id = ?'),
      count: db.prepare('SELECT COUNT(*) AS n FROM task_view'),
      oldestWaiting: db.prepare(
        "SELECT created_at FROM task_view WHERE bot_id = ? AND state = 'waiting' ORDER BY seq LIMIT 1",
      ),
      inState: db.prepare('SELECT * FROM task_view WHERE state = ? ORDER BY seq'),
      waitingFor: db.prepare(
        "SELECT task_id FROM task_view WHERE bot_id = ? AND state = 'waiting' ORDER BY seq LIMIT ?",
      ),
      finishedCounts: db.prepare(
        "SELECT bot_id, state, COUNT(*) AS n FROM task_view WHERE state IN ('completed', 'cancelled') GROUP BY bot_id, state",
      ),
    };
    ledger.project((events) => this.apply(events));
    this.rebuildIfEmpty();
  }

  get(taskId: string): TaskRow | undefined {
    return this.statements.get.get(taskId) as TaskRow | undefined;
  }

  /** When the oldest task waiting in the bot's inbox was dispatched, or null. */
  oldestWaiting(botId: string): string | null {
    return (this.statements.oldestWaiting.get(botId) as { created_at: string } | undefined)?.created_at ?? null;
  }

  /** How many tasks the view holds: one row per dispatched task. */
  size(): number {
    return (this.statements.count.get() as { n: number }).n;
  }

  /** How many tasks of each bot ended completed or cancelled, counted by the database. */
  finishedCounts(): { bot_id: string; state: 'completed' | 'cancelled'; n: number }[] {
    return this.statements.finishedCounts.all() as { bot_id: string; state: 'completed' | 'cancelled'; n: number }[];
  }

  /** The ids of the bot's oldest waiting tasks, oldest first: what a bee claiming over HTTP gets offered. */
  waitingFor(botId: string, limit: number): string[] {
    return (this.statements.waitingFor.all(botId, limit) as { task_id: string }[]).map((r) => r.task_id);
  }

  /** Every task in one state, oldest first (for the few states that stay small: claimed, in progress, cancelling). */
  inState(state: TaskRow['state']): TaskRow[] {
    return this.statements.inState.all(state) as TaskRow[];
  }

  list(query: TaskListQuery, stuck?: StuckCriteria): TaskList {
    const { where, params } = this.filter(query, stuck);
    if (query.cursor) where.push('seq < @cursor');
    const sql = `SELECT * FROM task_view ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT @limit`;
    const rows = this.listStatement(sql).all({ ...params, cursor: query.cursor, limit: query.limit + 1 }) as TaskRow[];
    const items = rows.slice(0, query.limit);
    return { items, next_cursor: rows.length > query.limit ? items[items.length - 1]!.seq : null };
  }

  /** The ids of every task the filter matches, newest first (a bulk action fixes its set with this). */
  ids(query: TaskFilter, stuck?: StuckCriteria): string[] {
    const { where, params } = this.filter(query, stuck);
    const sql = `SELECT task_id FROM task_view ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC`;
    return (this.listStatement(sql).pluck().all(params) as string[]).slice();
  }

  /** How many tasks the filter matches (what a bulk action would touch). */
  count(query: TaskFilter, stuck?: StuckCriteria): number {
    const { where, params } = this.filter(query, stuck);
    const sql = `SELECT COUNT(*) FROM task_view ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`;
    return this.listStatement(sql).pluck().get(params) as number;
  }

  private filter(query: TaskFilter, stuck?: StuckCriteria): { where: string[]; params: Record<string, unknown> } {
    const where: string[] = [];
    const params: Record<string, unknown> = {};
    for (const key of ['status', 'state', 'lane', 'provider', 'bot_id', 'intent'] as const) {
      const value = query[key];
      if (value === undefined) continue;
      where.push(`${key} = @${key}`);
      params[key] = value;
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
    if (query.stuck && stuck) {
      where.push(STUCK_SQL);
      params.live_bots = JSON.stringify(stuck.liveBots);
      params.live_bees = JSON.stringify(stuck.liveBees);
      params.long_before = stuck.longRunningBefore;
    }
    return { where, params };
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
      if (!event.task_id) {
        this.bots.applyHiveEvent(event);
        continue;
      }
      const before = this.get(event.task_id) ?? null;
      const after = projectTask(before, event);
      if (!after || after === before) continue;
      if (before) {
        s.update.run(after);
      } else {
        s.insert.run(after);
        const summary = event.data.summary;
        s.index.run(after.seq, after.title, typeof summary === 'string' ? summary : '');
      }
      this.bots.count(before, after);
    }
  }

  private rebuildIfEmpty(): void {
    if ((this.statements.count.get() as { n: number }).n > 0) return;
    const events = this.ledger.lastId();
    if (events > 0) log.info(`rebuilding the task list from the ledger (${events} events)…`);
    this.ledger.db.transaction(() => {
      this.bots.reset();
      for (const event of this.ledger.all()) this.apply([event]);
    })();
  }
}

const CLAIMED_LIST = [...CLAIMED_STATES].map((s) => `'${s}'`).join(', ');

/** The tasks the health view warns about (see bots-health.ts for the same rules in words). */
const STUCK_SQL = `(
  (state = 'waiting' AND bot_id NOT IN (SELECT value FROM json_each(@live_bots)))
  OR (state IN (${CLAIMED_LIST}) AND NOT (
    claimed_by_bee IN (SELECT value FROM json_each(@live_bees))
    OR (claimed_by_bee IS NULL AND claimed_by IN (SELECT value FROM json_each(@live_bots)))))
  OR (state = 'in_progress' AND state_since < @long_before)
)`;

function looksLikeIdPrefix(search: string): boolean {
  return ID_PATTERN.test(search) && /[-._]/.test(search);
}

/** Each word as a quoted prefix term, all required: `hello wor` → `"hello"* "wor"*`. */
function toFtsQuery(search: string): string {
  const words = search.match(/[\p{L}\p{N}_]+/gu) ?? [];
  return words.map((w) => `"${w}"*`).join(' ');
}
