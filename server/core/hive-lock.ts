/**
 * One server per hive. Two servers on the same files would each believe they own the
 * in-memory indexes, and could both accept one task_id. The lock is SQLite's exclusive
 * lock on `.deia/server.lock`, held for the life of the hive: it is an fcntl lock, so the
 * kernel drops it when the process dies, and unlike a pid file it never lies after a
 * crash. Who holds it is written beside it, for the message the next server prints.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { HiveError } from './errors';
import type { HivePaths } from './hive-paths';

export interface LockOwner {
  pid: number;
  host: string;
  started_at: string;
}

export interface HiveLock {
  release(): void;
}

const lockFile = (paths: HivePaths) => path.join(paths.deia, 'server.lock');
const ownerFile = (paths: HivePaths) => path.join(paths.deia, 'server.json');

/** Takes the hive's lock, or throws CONFLICT naming the process that holds it. */
export function lockHive(paths: HivePaths): HiveLock {
  const db = new Database(lockFile(paths), { timeout: 0 });
  try {
    // The file holds no data, so no journal; EXCLUSIVE locking mode keeps the lock of the
    // first write until the connection closes.
    db.pragma('journal_mode = MEMORY');
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE; COMMIT');
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code !== 'SQLITE_BUSY') throw err;
    throw new HiveError('CONFLICT', heldMessage(paths, readOwner(paths)));
  }
  writeOwner(paths, { pid: process.pid, host: os.hostname(), started_at: new Date().toISOString() });
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      rmSync(ownerFile(paths), { force: true });
      db.close();
    },
  };
}

function heldMessage(paths: HivePaths, owner: LockOwner | null): string {
  const who = owner
    ? `process ${owner.pid} on ${owner.host}, running since ${owner.started_at}`
    : 'another process (it has not said which yet)';
  return (
    `Another Hive Control server already serves the hive at ${paths.deia}: ${who}. ` +
    'Stop it first, or give this server its own HIVE_ROOT.'
  );
}

function writeOwner(paths: HivePaths, owner: LockOwner): void {
  const tmp = path.join(paths.tmp, `server-owner.${process.pid}.${randomBytes(4).toString('hex')}.json`);
  writeFileSync(tmp, `${JSON.stringify(owner)}\n`);
  renameSync(tmp, ownerFile(paths));
}

function readOwner(paths: HivePaths): LockOwner | null {
  try {
    const owner = JSON.parse(readFileSync(ownerFile(paths), 'utf8')) as Partial<LockOwner>;
    return typeof owner.pid === 'number' && typeof owner.host === 'string' && typeof owner.started_at === 'string'
      ? (owner as LockOwner)
      : null;
  } catch {
    return null;
  }
}
