/**
 * `hive import`: moves a file hive (HIVE_ROOT/.deia, its server stopped) into an empty
 * PostgreSQL hive, in one transaction, or with --dry-run says what it would move. The work
 * is in file-hive-import.ts; this is the command line around it.
 */
import { migrationPlan, type Migration } from '../../../server/store/pg/pg-schema';
import { expectPositionals, requireFlags } from '../args';
import { defineCommand } from '../command';
import { connect, DATABASE_URL_FLAG, databaseFailure, openDatabase, redact, resolveDatabaseUrl } from '../database';
import { EXIT } from '../exit-codes';
import type { ImportSummary } from '../file-hive-import';
import type { Output } from '../output';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function report(out: Output, summary: ImportSummary, where: string): void {
  for (const warning of summary.warnings) out.note(`warning: ${warning}`);
  if (out.json) {
    out.data({ ...summary, database: where });
    return;
  }
  const { events, tasks, responses, bots } = summary;
  const steps = summary.schema_steps.map((s) => `${s.version} (${s.name})`).join(', ');
  const extra = [
    tasks.offered_again ? `${tasks.offered_again} of them claimed in the file hive, offered to bees again` : '',
    tasks.rebuilt_from_ledger
      ? `${tasks.rebuilt_from_ledger} rebuilt from ${tasks.rebuilt_from_ledger === 1 ? 'its' : 'their'} ledger events (task file missing)`
      : '',
  ].filter(Boolean);
  out.line(
    summary.dry_run
      ? `dry run: would import into ${where}; nothing was changed`
      : `imported into ${where}${steps ? ` (schema steps applied first: ${steps})` : ''}`,
  );
  if (summary.dry_run && steps) out.line(`  schema     would apply ${steps}`);
  out.line(
    `  events     ${events.count}${events.count ? ` (last id ${events.last_id}; the next event gets ${events.last_id + 1})` : ''}`,
  );
  out.line(
    `  tasks      ${tasks.count}: ${tasks.waiting} waiting, ${tasks.held} held, ${tasks.done} done${extra.length ? ` (${extra.join('; ')})` : ''}`,
  );
  out.line(
    `  responses  ${responses.count}${responses.stray ? ` (${plural(responses.stray, 'file')} in responses/ belong to no task in the ledger: left out)` : ''}`,
  );
  out.line(`  bots       ${bots.count}; paused: ${bots.paused.length ? bots.paused.join(', ') : 'none'}`);
}

export const importCommand = defineCommand({
  name: 'import',
  summary: 'move a file hive (HIVE_ROOT/.deia, server stopped) into an empty PostgreSQL hive',
  usage: 'import --from ROOT [--database-url URL] [--dry-run]',
  description:
    'Copies the file hive under ROOT/.deia into an empty PostgreSQL database in one transaction, or\n' +
    'nothing: the schema steps, every ledger event with its own id (the next event continues after the\n' +
    'last), one row per task (its task file, or rebuilt from its ledger events if the file is gone),\n' +
    'the newest response of each ended task, and which bots are paused. Run it with the file-mode\n' +
    'server stopped: it takes the hive’s lock and refuses while a server holds it, and changes nothing\n' +
    'in the file hive. It refuses a database that already has events or tasks.\n' +
    'Claims do not carry over: a task a bee held (claimed, in progress, blocked without an answer, being\n' +
    'cancelled) waits again and is offered to bees anew; each one is named in a warning on stderr.\n' +
    '--dry-run reads everything and prints what it would import, changing nothing. The database is\n' +
    '--database-url, else $HIVE_DATABASE_URL; a dry run without one skips the check that it is empty.\n' +
    'Here exit code 5 means the database cannot be reached, 7 that a server runs on the file hive or\n' +
    'the database is not empty, and 1 that the database failed mid-way (then nothing was committed).',
  flags: {
    from: { type: 'string', placeholder: 'ROOT', help: 'the HIVE_ROOT of the file hive (the folder holding .deia/)' },
    'database-url': DATABASE_URL_FLAG,
    'dry-run': { type: 'boolean', help: 'read everything, print what would be imported; change nothing' },
  },
  examples: [
    'hive import --from /srv/hive --database-url postgres://hive@db:5432/hive --dry-run',
    'HIVE_DATABASE_URL=postgres://hive@db:5432/hive hive import --from /srv/hive',
  ],
  async run({ flags, positionals, out }) {
    expectPositionals(positionals, [], 'import');
    requireFlags(flags, ['from'], 'import');
    const dryRun = flags['dry-run'] === true;
    const url =
      dryRun && flags['database-url'] === undefined && !process.env.HIVE_DATABASE_URL
        ? null
        : resolveDatabaseUrl(flags['database-url'], 'import');
    const where = url ? redact(url) : '(no database given)';

    // Loaded here, not with every `hive` command: it brings in the embedded hive's readers.
    const { applyImport, existingHive, openFileHive, planImport, refuseNonEmpty, summarize } =
      await import('../file-hive-import');
    const hive = openFileHive(flags.from!);
    try {
      if (dryRun) {
        let steps: Migration[] = [];
        if (url) {
          const pool = openDatabase(url);
          try {
            const client = await connect(pool, url);
            try {
              refuseNonEmpty(await existingHive(client), where);
              steps = (await migrationPlan(client)).pending;
            } catch (err) {
              throw databaseFailure(err, 'looking at what it holds');
            } finally {
              client.release();
            }
          } finally {
            await pool.end().catch(() => undefined);
          }
        } else {
          out.note('no --database-url or HIVE_DATABASE_URL: not checking that the database is empty.');
        }
        report(out, summarize(await planImport(hive), true, steps), where);
        return EXIT.ok;
      }

      const pool = openDatabase(url!);
      try {
        const tx = await connect(pool, url!);
        try {
          // Refused before reading the whole file hive; checked again inside the transaction.
          refuseNonEmpty(await existingHive(tx), where);
          const plan = await planImport(hive);
          await tx.query('BEGIN');
          const summary = await applyImport(tx, hive, plan, where);
          await tx.query('COMMIT');
          report(out, summary, where);
          return EXIT.ok;
        } catch (err) {
          await tx.query('ROLLBACK').catch(() => undefined);
          throw databaseFailure(err, 'importing');
        } finally {
          tx.release();
        }
      } finally {
        await pool.end().catch(() => undefined);
      }
    } finally {
      hive.close();
    }
  },
});
