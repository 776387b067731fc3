/**
 * The hive's schema in PostgreSQL, as numbered steps applied once each. Every server applies
 * what is missing at start-up, inside one transaction under an advisory lock, so servers
 * starting together on an empty database build it once, and a failed step leaves nothing
 * half-made. A change is a new step, never an edit of one that shipped.
 */
import type { Pool, PoolClient } from 'pg';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'ledger, tasks, responses, bees, bots',
    sql: `
-- The ledger: the same columns as the embedded ledger's events table, append-only. data is
-- json, not jsonb: it reads back as written (jsonb reorders keys, and the live stream and
-- hive watch show the data as the embedded ledger does).
CREATE SEQUENCE hive_event_ids;
CREATE TABLE events (
  id bigint PRIMARY KEY,
  ts text NOT NULL,
  event_type text NOT NULL,
  task_id text,
  actor text NOT NULL,
  data json NOT NULL DEFAULT '{}'
);
CREATE INDEX events_by_task ON events (task_id, id);
CREATE UNIQUE INDEX events_terminal_once ON events (task_id) WHERE event_type IN ('task_completed', 'task_cancelled');
CREATE FUNCTION hive_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER events_refuse_update BEFORE UPDATE OR DELETE ON events FOR EACH ROW EXECUTE FUNCTION hive_refuse_change();
CREATE TRIGGER events_refuse_truncate BEFORE TRUNCATE ON events FOR EACH STATEMENT EXECUTE FUNCTION hive_refuse_change();

-- A task as bees get it, and who holds it now. state is the store's own, for exclusive
-- decisions (claims, cancels, expiry); the ledger's projection is what clients read.
-- task is the task as dispatched, in json (jsonb and SQL's json operators refuse the
-- \\u0000 a title may hold), never read or edited in SQL: the two fields of it that change,
-- bot_id and status, are columns of their own, laid over it when it is read.
CREATE TABLE tasks (
  seq bigserial UNIQUE,
  task_id text PRIMARY KEY,
  bot_id text NOT NULL,
  task json NOT NULL,
  status text NOT NULL,
  state text NOT NULL CHECK (state IN ('waiting', 'held', 'claimed', 'cancelling', 'done')),
  attempt integer NOT NULL DEFAULT 0,
  bee text,
  lease_hash text,
  lease_expires_at timestamptz,
  answer_hash text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tasks_waiting ON tasks (bot_id, seq) WHERE state = 'waiting';
CREATE INDEX tasks_leased ON tasks (lease_expires_at) WHERE state IN ('claimed', 'cancelling');

-- content is the answer's UTF-8 bytes: a bee may answer with NUL, which text refuses.
CREATE TABLE responses (
  task_id text NOT NULL REFERENCES tasks (task_id),
  attempt integer NOT NULL,
  name text NOT NULL,
  content bytea NOT NULL,
  content_hash text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (task_id, attempt)
);

-- Bees over HTTP: the last word from each, heard by any server (json: a host name may hold NUL too).
CREATE TABLE bees (
  bee text PRIMARY KEY,
  record json NOT NULL,
  heard_at timestamptz NOT NULL,
  online boolean NOT NULL
);

CREATE TABLE bots (
  bot_id text PRIMARY KEY,
  paused boolean NOT NULL DEFAULT false
);

-- Which hive this is: a server's mirror of another hive's ledger is never taken for this one's.
CREATE TABLE hive_meta (hive_id uuid NOT NULL DEFAULT gen_random_uuid(), created_at timestamptz NOT NULL DEFAULT now());
INSERT INTO hive_meta DEFAULT VALUES;
`,
  },
];

/** One number for the whole hive's schema lock (pg_advisory_xact_lock takes a bigint). */
const MIGRATION_LOCK = 0x68697665_00000001n;

export interface MigrationPlan {
  applied: number[];
  pending: Migration[];
}

/** The steps this database has, and the ones it lacks, in order. */
export async function migrationPlan(client: Pool | PoolClient): Promise<MigrationPlan> {
  const exists = await client.query<{ present: boolean }>(
    "SELECT to_regclass('hive_migrations') IS NOT NULL AS present",
  );
  const applied = exists.rows[0]!.present
    ? (await client.query<{ version: number }>('SELECT version FROM hive_migrations ORDER BY version')).rows.map(
        (r) => r.version,
      )
    : [];
  return { applied, pending: MIGRATIONS.filter((m) => !applied.includes(m.version)) };
}

/**
 * Applies the missing steps, once, however many servers start at the same moment: each
 * takes the lock in turn, and the ones after the first find nothing left to do.
 */
export async function migrate(pool: Pool): Promise<Migration[]> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const applied = await migrateWithin(client);
    await client.query('COMMIT');
    return applied;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** The same, inside the caller's transaction (an import commits the schema and the hive together). */
export async function migrateWithin(tx: PoolClient): Promise<Migration[]> {
  await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK.toString()]);
  await tx.query(
    'CREATE TABLE IF NOT EXISTS hive_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
  );
  const { pending } = await migrationPlan(tx);
  for (const step of pending) {
    await tx.query(step.sql);
    await tx.query('INSERT INTO hive_migrations (version, name) VALUES ($1, $2)', [step.version, step.name]);
  }
  return pending;
}
