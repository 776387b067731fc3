/**
 * The commands that work on a PostgreSQL hive directly (`hive migrate`, `hive import`): which
 * database (--database-url, else HIVE_DATABASE_URL), a connection to it, and its failures as
 * CliErrors, so none of them is mistaken for "cannot reach the Hive Control server".
 */
import pg from 'pg';
import { CliError, usageError } from './errors';
import { EXIT } from './exit-codes';

export const DATABASE_URL_FLAG = {
  type: 'string',
  placeholder: 'URL',
  help: 'the PostgreSQL database, postgres://… (default $HIVE_DATABASE_URL)',
} as const;

/** The database to work on: the flag, else HIVE_DATABASE_URL; refused when neither is a postgres:// URL. */
export function resolveDatabaseUrl(flag: string | undefined, command: string): string {
  const raw = flag ?? process.env.HIVE_DATABASE_URL;
  const example = `hive ${command} --database-url postgres://user:password@host:5432/hive`;
  if (raw === undefined || raw.trim() === '') {
    throw usageError(
      `\`hive ${command}\` needs the database: give --database-url URL or set HIVE_DATABASE_URL.`,
      `Example: ${example}`,
    );
  }
  const source = flag !== undefined ? '--database-url' : 'HIVE_DATABASE_URL';
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw usageError(`${source} is not a URL: "${raw}".`, `Example: ${example}`);
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw usageError(
      `${source} must be a postgres:// or postgresql:// URL (got "${redact(raw)}").`,
      `Example: ${example}`,
    );
  }
  return raw;
}

/** The URL as it may be printed: the password never is. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.password) return url;
    parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

/** A small pool for one command: a connection that cannot be made in 10 s is reported, not waited for. */
export function openDatabase(url: string): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: 2,
    connectionTimeoutMillis: 10_000,
    application_name: 'hive-cli',
  });
  // An idle client whose server went away; the query that needs it reports the failure.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

/** A connection from the pool, or EXIT.unreachable with one line saying why there is none. */
export async function connect(pool: pg.Pool, url: string): Promise<pg.PoolClient> {
  try {
    return await pool.connect();
  } catch (err) {
    throw unreachableDatabase(url, err);
  }
}

function unreachableDatabase(url: string, err: unknown): CliError {
  const { code, message } = err as { code?: string; message?: string };
  const why =
    code === 'ECONNREFUSED'
      ? 'connection refused'
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? 'no such host'
        : code === '3D000'
          ? 'no such database'
          : code === '28P01' || code === '28000'
            ? 'authentication failed'
            : (message ?? String(err)).split('\n')[0]!;
  return new CliError(EXIT.unreachable, `Cannot connect to the database at ${redact(url)} (${why}).`, {
    code: 'DATABASE_UNREACHABLE',
    hint: 'Check --database-url / HIVE_DATABASE_URL, and that PostgreSQL is running and lets this user in.',
  });
}

/** A failure after connecting: the database refused or lost a statement. Nothing was committed. */
export function databaseFailure(err: unknown, what: string): CliError {
  if (err instanceof CliError) return err;
  const message = (err instanceof Error ? err.message : String(err)).split('\n')[0];
  return new CliError(EXIT.serverError, `The database failed while ${what}: ${message}. Nothing was changed.`, {
    code: 'DATABASE_FAILED',
  });
}
