/**
 * What a failed database request means to the client. Only a database this server cannot
 * reach, or one that cannot take work at the moment, is 503 STORAGE_UNAVAILABLE: the
 * request may succeed if retried. Anything else (a constraint, a type, a schema that is not
 * what this code expects, a bug) would fail again, so it is the 500 every unexpected error
 * is, and PostgreSQL's own words, which may quote the hive's data, stay in the server log.
 */
import { HiveError } from '../../core/errors';
import { log } from '../../core/log';

/** Socket errors of the connection to the database (Node's errno codes). */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs of a database that cannot take work now, or took this session away: 57P01-03
 * (shut down, crashed, starting), 25P03 (our session sat idle in a transaction and was
 * ended), 40001 and 40P01 (serialization failure, deadlock: the transaction was rolled
 * back and would pass on retry). Classes 08 and 53 are matched by their prefix.
 */
const RETRYABLE_STATES = new Set(['57P01', '57P02', '57P03', '25P03', '40001', '40P01']);

/** node-postgres reports a connection lost or never made with these messages and no code. */
const LOST_CONNECTION = /^Connection terminated|not queryable/i;

/** Why the database cannot be reached (a code safe to show), or null if it was reached and refused. */
function unreachable(err: unknown): string | null {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code) || RETRYABLE_STATES.has(code)) return code;
    if (/^(08|53)[0-9A-Z]{3}$/.test(code)) return `SQLSTATE ${code}`;
    return null;
  }
  return err instanceof Error && LOST_CONNECTION.test(err.message) ? 'connection lost' : null;
}

/** SQLSTATE disk_full: the database's disk, as ENOSPC is the file store's. */
const DISK_FULL = '53100';

export function databaseError(err: unknown): HiveError {
  if (HiveError.is(err)) return err;
  if ((err as { code?: unknown } | null)?.code === DISK_FULL) {
    log.warn(`database disk full: ${(err as Error).message}`);
    return new HiveError('STORAGE_FULL', "The hive's database is out of disk space; free space there and retry.");
  }
  const reason = unreachable(err);
  if (reason) {
    log.warn(`database unavailable (${reason}): ${err instanceof Error ? err.message : String(err)}`);
    return new HiveError(
      'STORAGE_UNAVAILABLE',
      `The hive's database cannot be reached or cannot take work now (${reason}); retry.`,
    );
  }
  log.error('database request failed', err);
  return new HiveError('INTERNAL', 'Internal error; the server log has the details.');
}
