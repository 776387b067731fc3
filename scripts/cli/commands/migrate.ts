/**
 * `hive migrate`: brings a PostgreSQL hive's schema up to this version of Hive Control, or
 * with --dry-run shows the steps (and their SQL) it would apply. Servers apply missing steps
 * themselves at start-up; this is for doing it ahead of them, or seeing what it would do.
 */
import { migrate, migrationPlan, type Migration } from '../../../server/store/pg/pg-schema';
import { expectPositionals } from '../args';
import { defineCommand } from '../command';
import { connect, DATABASE_URL_FLAG, databaseFailure, openDatabase, redact, resolveDatabaseUrl } from '../database';
import { EXIT } from '../exit-codes';

const version = (applied: readonly number[]) => Math.max(0, ...applied);
const step = (m: Migration) => `${m.version} (${m.name})`;

export const migrateCommand = defineCommand({
  name: 'migrate',
  summary: "apply the PostgreSQL hive's pending schema steps (--dry-run: show them)",
  usage: 'migrate [--database-url URL] [--dry-run]',
  description:
    'Applies the schema steps the database lacks, in order, in one transaction (a failed step leaves\n' +
    'nothing half-made), under the same lock as servers starting up, so it is safe beside them. With\n' +
    '--dry-run it prints each pending step (version, name and SQL) and changes nothing. The database is\n' +
    '--database-url, else $HIVE_DATABASE_URL. It talks to the database, not to a server. Here exit\n' +
    'code 5 means the database cannot be reached, and 1 that a step failed (then none was applied).',
  flags: {
    'database-url': DATABASE_URL_FLAG,
    'dry-run': { type: 'boolean', help: 'print the pending steps and their SQL; change nothing' },
  },
  examples: [
    'HIVE_DATABASE_URL=postgres://hive@db:5432/hive hive migrate --dry-run',
    'hive migrate --database-url postgres://hive@db:5432/hive',
  ],
  async run({ flags, positionals, out }) {
    expectPositionals(positionals, [], 'migrate');
    const url = resolveDatabaseUrl(flags['database-url'], 'migrate');
    const dryRun = flags['dry-run'] === true;
    const pool = openDatabase(url);
    try {
      const client = await connect(pool, url);
      let plan: Awaited<ReturnType<typeof migrationPlan>>;
      try {
        plan = await migrationPlan(client);
      } catch (err) {
        throw databaseFailure(err, 'reading its schema version');
      } finally {
        client.release();
      }
      const before = version(plan.applied);
      if (dryRun) {
        const after = version([...plan.applied, ...plan.pending.map((m) => m.version)]);
        if (out.json) {
          out.data({ dry_run: true, version: before, pending: plan.pending, would_reach: after });
        } else if (plan.pending.length === 0) {
          out.line(`nothing to apply: schema at version ${before}`);
        } else {
          out.line(
            `${plan.pending.length} pending step${plan.pending.length > 1 ? 's' : ''} for ${redact(url)} (schema at version ${before}, would reach ${after}); nothing was changed:`,
          );
          for (const m of plan.pending) out.line(`\n-- step ${step(m)}\n${m.sql.trim()}`);
        }
        return EXIT.ok;
      }
      let applied: Migration[];
      try {
        applied = await migrate(pool);
      } catch (err) {
        throw databaseFailure(err, 'applying the schema');
      }
      // Read again: a server starting beside this command may have applied some of them first.
      const now = version((await migrationPlan(pool).catch(() => plan)).applied.concat(applied.map((m) => m.version)));
      if (out.json)
        out.data({ dry_run: false, applied: applied.map(({ version, name }) => ({ version, name })), version: now });
      else if (applied.length === 0) out.line(`nothing to apply: schema at version ${now}`);
      else out.line(`applied ${applied.map(step).join(', ')}: schema at version ${now}`);
      return EXIT.ok;
    } finally {
      await pool.end().catch(() => undefined);
    }
  },
});
