/**
 * The ledger in PostgreSQL: appends, and reads in id order.
 *
 * Ids must be in commit order, because a live client resumes "after id N": if two writers
 * took ids 4 and 5 from a sequence and 5 committed first, a reader that saw 5 would never
 * look back for 4. So every append takes one transaction-scoped advisory lock before it
 * takes its ids and holds it to its commit: appends commit one after another, in id
 * order. (PostgreSQL makes a commit visible before it releases the transaction's locks,
 * so the next appender's ids are always read after this one's.) The lock is held only
 * from the append to the commit, so the cost is one short critical section per batch.
 */
import type { LedgerEvent, LedgerEventType } from '../../contracts/ledger';
import type { PendingAppend } from '../../core/ledger';
import type { Tx } from './pg-pool';

/** The one lock every append takes (see above). */
export const APPEND_LOCK = 0x68697665_00000002n.toString();
/** The doorbell: rung (with the last id) by every append, heard by every server. */
export const EVENTS_CHANNEL = 'hive_events';

interface Row {
  id: string;
  ts: string;
  event_type: string;
  task_id: string | null;
  actor: string;
  data: Record<string, unknown>;
}

export function toEvent(row: Row): LedgerEvent {
  return { ...row, id: Number(row.id), event_type: row.event_type as LedgerEventType };
}

export interface AppendOptions {
  /** Only for the test that shows what the lock prevents: appends that may commit out of id order. */
  unordered?: boolean;
}

/**
 * Appends the batch inside the caller's transaction (commit is the caller's). A terminal
 * event (`once`) the task has already is skipped: null in its place.
 */
export async function appendEvents(
  tx: Tx,
  batch: readonly PendingAppend[],
  options: AppendOptions = {},
): Promise<(LedgerEvent | null)[]> {
  if (batch.length === 0) return [];
  if (!options.unordered) await tx.query('SELECT pg_advisory_xact_lock($1)', [APPEND_LOCK]);
  const results: (LedgerEvent | null)[] = [];
  // Runs of ordinary events go in one statement; a terminal event alone, as it may be skipped.
  for (let i = 0; i < batch.length;) {
    if (batch[i]!.once) {
      results.push(await insertOnce(tx, batch[i]!));
      i++;
      continue;
    }
    let j = i;
    while (j < batch.length && !batch[j]!.once) j++;
    results.push(...(await insertRun(tx, batch.slice(i, j))));
    i = j;
  }
  const last = Math.max(0, ...results.map((r) => r?.id ?? 0));
  if (last) await tx.query('SELECT pg_notify($1, $2)', [EVENTS_CHANNEL, String(last)]);
  return results;
}

async function insertRun(tx: Tx, run: readonly PendingAppend[]): Promise<LedgerEvent[]> {
  const cols = run.map(({ event }) => [
    event.ts ?? new Date().toISOString(),
    event.event_type,
    event.task_id,
    event.actor,
    JSON.stringify(event.data ?? {}),
  ]);
  const column = (k: number) => cols.map((c) => c[k]);
  // ORDER BY n: the ids are drawn after the sort, so they follow the batch's order.
  const { rows } = await tx.query<Row>(
    `INSERT INTO events (id, ts, event_type, task_id, actor, data)
     SELECT nextval('hive_event_ids'), ts, event_type, task_id, actor, data::json
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY
       AS u(ts, event_type, task_id, actor, data, n)
     ORDER BY n
     RETURNING *`,
    [column(0), column(1), column(2), column(3), column(4)],
  );
  return rows.map(toEvent).sort((a, b) => a.id - b.id);
}

async function insertOnce(tx: Tx, { event }: PendingAppend): Promise<LedgerEvent | null> {
  const { rows } = await tx.query<Row>(
    `INSERT INTO events (id, ts, event_type, task_id, actor, data)
     SELECT nextval('hive_event_ids'), $1, $2, $3, $4, $5::json
     WHERE NOT EXISTS (SELECT 1 FROM events WHERE task_id = $3 AND event_type IN ('task_completed', 'task_cancelled'))
     ON CONFLICT DO NOTHING
     RETURNING *`,
    [
      event.ts ?? new Date().toISOString(),
      event.event_type,
      event.task_id,
      event.actor,
      JSON.stringify(event.data ?? {}),
    ],
  );
  return rows[0] ? toEvent(rows[0]) : null;
}

export async function eventsAfter(db: { query: Tx['query'] }, afterId: number, limit: number): Promise<LedgerEvent[]> {
  const { rows } = await db.query<Row>('SELECT * FROM events WHERE id > $1 ORDER BY id LIMIT $2', [afterId, limit]);
  return rows.map(toEvent);
}
