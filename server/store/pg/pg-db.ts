/**
 * A write to the hive in Postgres mode: the state change and its ledger events in one
 * transaction, answered only once this server's mirror holds the events, so whatever the
 * caller reads next (status, list, the live stream) already shows them.
 */
import type pg from 'pg';
import type { LedgerEvent } from '../../contracts/ledger';
import type { EventWriter, NewLedgerEvent, PendingAppend } from '../../core/ledger';
import { appendEvents } from './pg-events';
import { databaseError } from './pg-errors';
import { transaction, type Tx } from './pg-pool';
import type { PgTail } from './pg-tail';

/** Appends events inside the transaction; `once` for a task's end, which is skipped (null) if it has one. */
export type Record = (
  events: readonly NewLedgerEvent[],
  options?: { once?: boolean },
) => Promise<(LedgerEvent | null)[]>;

export class PgDb implements EventWriter {
  tail: PgTail | null = null;

  constructor(readonly pool: pg.Pool) {}

  async commit(batch: readonly PendingAppend[]): Promise<(LedgerEvent | null)[]> {
    return transaction(this.pool, (tx) => appendEvents(tx, batch));
  }

  reach(id: number): Promise<void> {
    return this.tail!.reach(id);
  }

  /** One statement outside a transaction (a read), failing as every database request does (503 or a masked 500). */
  async read<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<R[]> {
    try {
      return (await this.pool.query<R>(text, values)).rows;
    } catch (err) {
      throw databaseError(err);
    }
  }

  /** Runs `work` in one transaction; its recorded events are in the mirror when this resolves. */
  async write<T>(work: (tx: Tx, record: Record) => Promise<T>): Promise<T> {
    let last = 0;
    const result = await transaction(this.pool, (tx) =>
      work(tx, async (events, options = {}) => {
        const rows = await appendEvents(
          tx,
          events.map((event) => ({ event, once: options.once ?? false })),
        );
        last = Math.max(last, ...rows.map((r) => r?.id ?? 0));
        return rows;
      }),
    );
    if (last) await this.reach(last);
    return result;
  }
}
