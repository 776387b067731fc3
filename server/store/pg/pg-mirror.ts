/**
 * Where a server keeps its mirror of the ledger: a SQLite file that outlives the process,
 * so a restarted server reads only what was committed while it was down instead of the
 * whole ledger. The file is named after the hive (its id in `hive_meta`), and each server
 * on a machine locks its own; one that does not agree with the database (restored from an
 * older backup, a different hive, damaged) is started afresh.
 */
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Ledger } from '../../core/ledger';
import { log } from '../../core/log';
import type { PgDb } from './pg-db';
import { eventsAfter } from './pg-events';

/** More servers than this on one machine mirroring one hive is a mistake, not a deployment. */
const SLOTS = 32;

export async function openMirror(db: PgDb, dir: string): Promise<{ ledger: Ledger; file: string }> {
  await mkdir(dir, { recursive: true });
  const { rows } = await db.pool.query<{ hive_id: string }>('SELECT hive_id FROM hive_meta LIMIT 1');
  const hiveId = rows[0]!.hive_id;
  for (let slot = 0; slot < SLOTS; slot++) {
    const file = path.join(dir, `${hiveId}-${slot}.db`);
    let ledger: Ledger;
    try {
      ledger = new Ledger(file, db);
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_BUSY') continue; // another server's
      log.warn(`mirror ${file} cannot be opened (${(err as Error).message}); starting it afresh`);
      await remove(file);
      ledger = new Ledger(file, db);
    }
    if (await agrees(ledger, db)) return { ledger, file };
    log.warn(`mirror ${file} does not match the database (a restore, or another hive); starting it afresh`);
    ledger.close();
    await remove(file);
    return { ledger: new Ledger(file, db), file };
  }
  throw new Error(`${SLOTS} servers on this machine already mirror hive ${hiveId} in ${dir}`);
}

/** The mirror's last event is the database's event of that id, to the letter. */
async function agrees(ledger: Ledger, db: PgDb): Promise<boolean> {
  const last = ledger.lastId();
  if (last === 0) return true;
  const [theirs] = await eventsAfter(db.pool, last - 1, 1);
  const [ours] = ledger.after(last - 1, 1);
  if (!theirs || !ours || theirs.id !== last) return false;
  return (
    theirs.ts === ours.ts &&
    theirs.event_type === ours.event_type &&
    theirs.task_id === ours.task_id &&
    theirs.actor === ours.actor
  );
}

function remove(file: string): Promise<unknown> {
  return Promise.all(['', '-wal', '-shm'].map((suffix) => rm(file + suffix, { force: true })));
}
