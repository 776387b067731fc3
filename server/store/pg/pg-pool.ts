/**
 * The connection pool of one server, and transactions on it. Sessions refuse to sit idle
 * inside a transaction for long: a server that stalls mid-append must not hold the
 * ledger's append lock (and with it every other server's appends) for more than a moment.
 */
import pg from 'pg';
import { HiveError } from '../../core/errors';

export type Tx = pg.PoolClient;

export function openPool(url: string, max = 10): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    idle_in_transaction_session_timeout: 10_000,
    application_name: 'hive-control',
  });
  // An idle client whose server went away: the pool drops it and the next query gets a fresh one.
  pool.on('error', () => undefined);
  return pool;
}

/** Runs `work` in one transaction: committed when it returns, rolled back when it throws. */
export async function transaction<T>(pool: pg.Pool, work: (tx: Tx) => Promise<T>): Promise<T> {
  const tx = await pool.connect().catch((err: unknown) => {
    throw databaseError(err);
  });
  try {
    await tx.query('BEGIN');
    const result = await work(tx);
    await tx.query('COMMIT');
    return result;
  } catch (err) {
    await tx.query('ROLLBACK').catch(() => undefined);
    throw HiveError.is(err) ? err : databaseError(err);
  } finally {
    tx.release();
  }
}

/** What an operator can act on when the database fails a request. */
export function databaseError(err: unknown): HiveError {
  const message = err instanceof Error ? err.message : String(err);
  return new HiveError('STORAGE_UNAVAILABLE', `The hive's database failed: ${message}. Nothing was changed; retry.`);
}
