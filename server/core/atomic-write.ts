/**
 * Maildir-style publication: a file is written whole in `tmp/`, flushed, then hard-linked
 * into place. link(2) refuses an existing target, so nothing is ever overwritten, and
 * readers of the final path never see a partial file.
 */
import { randomBytes } from 'node:crypto';
import { link, lstat, open, readdir, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { HiveError, storageError } from './errors';
import { processAlive } from './processes';

let sequence = 0;

function tmpName(tmpDir: string): string {
  sequence = (sequence + 1) % Number.MAX_SAFE_INTEGER;
  return path.join(tmpDir, `${process.pid}.${sequence}.${randomBytes(4).toString('hex')}.tmp`);
}

/** Which file this is: inode, size and mtime (an inode alone is reused once freed). */
export function fileIdentity(stat: { ino: number; size: number; mtimeMs: number }): string {
  return `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
}

/** Returns the published file's identity, so its own file event can be recognised later. */
export async function publishFile(tmpDir: string, finalPath: string, data: string): Promise<string> {
  const tmp = tmpName(tmpDir);
  try {
    const handle = await open(tmp, 'wx', 0o644);
    let identity: string;
    try {
      await handle.writeFile(data, 'utf8');
      await handle.sync();
      identity = fileIdentity(await handle.stat());
    } finally {
      await handle.close();
    }
    await link(tmp, finalPath);
    return identity;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new HiveError('CONFLICT', `${path.basename(finalPath)} already exists; it was left untouched.`);
    }
    throw storageError(err, `writing ${path.basename(finalPath)}`);
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

/**
 * Replaces a file whole (presence files, task status rewrites): written in `tmp/`, then
 * renamed over it, so a reader sees the old file or the new one, never half of either.
 * `scratchPrefix` names the scratch file for writers other than the server (bees), whose
 * scratch files the server's sweep must leave alone.
 */
export async function replaceFile(tmpDir: string, target: string, data: string, scratchPrefix?: string): Promise<void> {
  const tmp = scratchPrefix
    ? path.join(tmpDir, `${scratchPrefix}.${process.pid}.${randomBytes(4).toString('hex')}.json`)
    : tmpName(tmpDir);
  await writeFile(tmp, data);
  try {
    await rename(tmp, target);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

/**
 * Moves a file without ever replacing one at the destination. A move cut short by a crash
 * (linked, not yet unlinked) is finished: the destination is then the same file.
 */
export async function moveNoClobber(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const [source, target] = await Promise.all([lstat(from), lstat(to)]);
    if (source.ino !== target.ino || source.dev !== target.dev) throw err;
  }
  await unlink(from);
}

const OWN_TMP = /^(\d+)\.\d+\.[0-9a-f]{8}\.tmp$/;

/** Removes this server's scratch files left by processes that died mid-write (bees' files are left alone). */
export async function sweepTmp(tmpDir: string): Promise<number> {
  let removed = 0;
  for (const name of await readdir(tmpDir).catch(() => [] as string[])) {
    const pid = Number(OWN_TMP.exec(name)?.[1]);
    if (!pid || pid === process.pid || processAlive(pid)) continue;
    await unlink(path.join(tmpDir, name)).then(
      () => removed++,
      () => undefined,
    );
  }
  return removed;
}
