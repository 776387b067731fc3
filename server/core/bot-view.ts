/**
 * Per-bot and per-bee read models of the ledger, beside task_view and in its transactions:
 * how many of a bot's tasks are in each open state (kept as counters, so inbox health costs
 * the same with 100 tasks or 100,000), whether the bot is paused, when it last answered,
 * and the last presence event recorded for each bee.
 */
import type Database from 'better-sqlite3';
import type { LedgerEvent } from '../contracts/ledger';
import type { TaskRow } from '../contracts/task-list';
import type { TaskState } from '../contracts/task-state';
import { migrate } from './sqlite-schema';

/** The states counted per bot: the ones an operator watches. */
export const COUNTED_STATES = ['waiting', 'held', 'claimed', 'in_progress', 'blocked', 'cancelling'] as const;
type CountedState = (typeof COUNTED_STATES)[number];
const isCounted = (state: TaskState): state is CountedState => (COUNTED_STATES as readonly string[]).includes(state);

const SCHEMA = [
  `
CREATE TABLE IF NOT EXISTS bot_view (
  bot_id TEXT PRIMARY KEY,
  ${COUNTED_STATES.map((s) => `${s} INTEGER NOT NULL DEFAULT 0`).join(',\n  ')},
  paused INTEGER NOT NULL DEFAULT 0,
  paused_at TEXT,
  last_response_at TEXT
);
CREATE TABLE IF NOT EXISTS bee_view (
  bee TEXT PRIMARY KEY,
  online INTEGER NOT NULL,
  since TEXT NOT NULL,
  reason TEXT
);
`,
];

export type BotRow = Record<CountedState, number> & {
  bot_id: string;
  paused: number;
  paused_at: string | null;
  last_response_at: string | null;
};

export interface BeeRow {
  bee: string;
  online: number;
  since: string;
  reason: string | null;
}

export class BotView {
  private readonly statements;

  constructor(private readonly db: Database.Database) {
    migrate(db, 'bot_view', SCHEMA);
    this.statements = {
      ensure: db.prepare('INSERT INTO bot_view (bot_id) VALUES (?) ON CONFLICT (bot_id) DO NOTHING'),
      add: Object.fromEntries(
        COUNTED_STATES.map((s) => [s, db.prepare(`UPDATE bot_view SET ${s} = ${s} + ? WHERE bot_id = ?`)]),
      ) as Record<CountedState, Database.Statement>,
      answered: db.prepare(
        'UPDATE bot_view SET last_response_at = MAX(COALESCE(last_response_at, ?), ?) WHERE bot_id = ?',
      ),
      paused: db.prepare('UPDATE bot_view SET paused = ?, paused_at = ? WHERE bot_id = ?'),
      bee: db.prepare(
        `INSERT INTO bee_view (bee, online, since, reason) VALUES (@bee, @online, @since, @reason)
         ON CONFLICT (bee) DO UPDATE SET online = excluded.online, since = excluded.since, reason = excluded.reason`,
      ),
      all: db.prepare('SELECT * FROM bot_view ORDER BY bot_id'),
      one: db.prepare('SELECT * FROM bot_view WHERE bot_id = ?'),
      bees: db.prepare('SELECT * FROM bee_view ORDER BY bee'),
      resetBots: db.prepare('DELETE FROM bot_view'),
      resetBees: db.prepare('DELETE FROM bee_view'),
    };
  }

  all(): BotRow[] {
    return this.statements.all.all() as BotRow[];
  }

  get(botId: string): BotRow | undefined {
    return this.statements.one.get(botId) as BotRow | undefined;
  }

  isPaused(botId: string): boolean {
    return this.get(botId)?.paused === 1;
  }

  /** The last presence event recorded for each bee. */
  bees(): BeeRow[] {
    return this.statements.bees.all() as BeeRow[];
  }

  /** A task row changed: move its counts between states (and bots, for a reassigned task). */
  count(before: TaskRow | null, after: TaskRow): void {
    const s = this.statements;
    if (before && isCounted(before.state)) s.add[before.state].run(-1, before.bot_id);
    s.ensure.run(after.bot_id);
    if (isCounted(after.state)) s.add[after.state].run(1, after.bot_id);
    if (after.completed_at && !before?.completed_at)
      s.answered.run(after.completed_at, after.completed_at, after.bot_id);
  }

  /** Events about the hive rather than a task: pauses and presence. */
  applyHiveEvent(event: LedgerEvent): void {
    const data = event.data;
    const s = this.statements;
    if (event.event_type === 'bot_paused' || event.event_type === 'bot_resumed') {
      if (typeof data.bot_id !== 'string') return;
      s.ensure.run(data.bot_id);
      const paused = event.event_type === 'bot_paused';
      s.paused.run(paused ? 1 : 0, paused ? event.ts : null, data.bot_id);
    } else if (event.event_type === 'bee_online' || event.event_type === 'bee_offline') {
      if (typeof data.bee !== 'string') return;
      s.bee.run({
        bee: data.bee,
        online: event.event_type === 'bee_online' ? 1 : 0,
        since: event.ts,
        reason: typeof data.reason === 'string' ? data.reason : null,
      });
    }
  }

  /** Before a rebuild from the ledger. */
  reset(): void {
    this.statements.resetBots.run();
    this.statements.resetBees.run();
  }
}
