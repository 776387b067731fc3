/**
 * The connection pool of one server, and transactions on it. Sessions refuse to sit idle
 * inside a transaction for long: a server that stalls mid-append must not hold the
 * ledger's append lock (and with it every other server's appends) for more than a moment.
 */
import pg from 'pg';
import { databaseError } from './pg-errors';

export type Tx = pg.PoolClient;

export function openPool(url: string, max = 10): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    idle_in_transaction_session_timeout: 10_000,
    // No connectionTimeoutMillis: pg.Pool applies it to waiting for a free client too, so a burst
    // of requests queued behind the pool would fail with 503 while the database is fine.
    keepAlive: true,
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
  // A session the database ends mid-transaction also emits 'error' on the client, which the
  // pool listens for only while the client is idle: unheard, it would end the process.
  let lost: unknown = null;
  const onLost = (err: unknown) => (lost = err);
  tx.on('error', onLost);
  try {
    await tx.query('BEGIN');
    const result = await work(tx);
    await tx.query('COMMIT');
    return result;
  } catch (err) {
    await tx.query('ROLLBACK').catch(() => undefined);
    throw databaseError(err);
  } finally {
    tx.off('error', onLost);
    // A client whose session is gone is dropped, not handed to the next request.
    tx.release(lost ? (lost as Error) : undefined);
  }
}
