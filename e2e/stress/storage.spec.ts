/** A full or read-only disk under the hive: clear 507/503 errors, nothing half-written, and recovery without a restart. */
import { existsSync, renameSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, type ServerProcess } from '../../scripts/lib/server-process';
import { expect, test } from '../support/fixtures';
import { dropCompletionGuard, readLedger } from '../support/ledger';
import { getJson, mountSmallDisk, scanHive, taskFilesOf, tryDispatch, type SmallDisk } from './stress-kit';

// The ledger (SQLite, WAL) lives on the same 2 MiB tmpfs as the task files: it is not
// checkpointed before 1000 pages, so every commit needs fresh space on the disk too.
const DISK_SIZE = '2m';

const task = (task_id: string, extra: Record<string, unknown> = {}) => ({
  intent: 'code',
  title: `storage ${task_id}`,
  summary: 'a task for a hive whose disk misbehaves',
  task_id,
  ...extra,
});

/** Mounts a fresh small disk, starts a server with its hive there, and cleans both up. */
async function withSmallDisk(
  env: Record<string, string>,
  body: (disk: SmallDisk, server: ServerProcess) => Promise<void>,
): Promise<void> {
  const disk = await mountSmallDisk(os.tmpdir(), DISK_SIZE);
  if ('cannot' in disk) {
    test.skip(true, disk.cannot);
    return;
  }
  let server: ServerProcess | undefined;
  try {
    server = await startServer({ root: disk.dir, env });
    await body(disk, server);
  } finally {
    await server?.stop();
    await disk.unmount();
  }
}

const storageError = (code: 'STORAGE_FULL' | 'STORAGE_UNAVAILABLE') => ({
  status: 'error',
  error: { code, message: expect.stringMatching(/\w+ \w+/) },
});

/** Everything a refused dispatch must not have left: a task file, a tmp file, a ledger event. */
async function leftBehind(root: string, taskId: string, tmpBefore: number) {
  const scan = await scanHive(root);
  return {
    taskFiles: taskFilesOf(root, taskId),
    brokenFiles: scan.broken,
    newTmpFiles: scan.tmpLeftovers - tmpBefore,
    ledgerEvents: readLedger(root, taskId).map((e) => e.event_type),
  };
}
const nothing = { taskFiles: [], brokenFiles: [], newTmpFiles: 0, ledgerEvents: [] };

test('a full disk refuses dispatches with 507 STORAGE_FULL, writes nothing, and recovers once space is freed', async () => {
  await withSmallDisk({}, async (disk, server) => {
    const root = disk.dir;
    expect((await tryDispatch(server.url, task('BEFORE-FULL'))).status).toBe(200);
    const ledgerBefore = readLedger(root).length;
    const tmpBefore = (await scanHive(root)).tmpLeftovers;

    const filler = disk.fill();
    expect(filler.bytes).toBeGreaterThan(0);

    const one = await tryDispatch(server.url, task('FULL-1'));
    expect(one).toMatchObject({ status: 507, body: storageError('STORAGE_FULL') });
    const many = await Promise.all(
      Array.from({ length: 10 }, (_, i) => tryDispatch(server.url, task(`FULL-MANY-${i}`))),
    );
    expect(many.map((r) => r.status)).toEqual(Array(10).fill(507));
    const waiting = await tryDispatch(server.url, task('FULL-WAIT', { wait_for_response: true, timeout_seconds: 5 }));
    expect(waiting).toMatchObject({ status: 507, body: storageError('STORAGE_FULL') });

    for (const id of ['FULL-1', 'FULL-WAIT', ...many.map((_, i) => `FULL-MANY-${i}`)]) {
      expect(await leftBehind(root, id, tmpBefore), id).toEqual(nothing);
    }
    expect(readLedger(root)).toHaveLength(ledgerBefore);

    // Reading still works on a full disk, and no refused wait is left registered.
    expect((await getJson(`${server.url}/api/tasks/status/BEFORE-FULL`)).body.status).toBe('active');
    expect((await getJson(`${server.url}/api/health`)).body).toMatchObject({ status: 'ok', waiting: 0 });

    rmSync(filler.file);
    const again = await tryDispatch(server.url, task('FULL-1'));
    expect(again).toMatchObject({ status: 200, body: { status: 'dispatched', task_id: 'FULL-1' } });
    expect(existsSync(path.join(root, again.body.task_path as string))).toBe(true);
    expect(readLedger(root, 'FULL-1').map((e) => e.event_type)).toEqual([
      'task_execution_started',
      'task_routed',
      'task_dispatched',
    ]);
  });
});

test('room for the task file but not for the ledger commit: 507, the task file is taken back, and the id stays free', async () => {
  await withSmallDisk({}, async (disk, server) => {
    const root = disk.dir;
    expect((await tryDispatch(server.url, task('BEFORE-FULL'))).status).toBe(200);
    const tmpBefore = (await scanHive(root)).tmpLeftovers;

    // One free page: the task file (under 4 KiB) fits, the ledger's next WAL frames do not.
    const filler = disk.fill();
    truncateSync(filler.file, statSync(filler.file).size - 4096);

    const refused = await tryDispatch(server.url, task('HALF-1'));
    expect(refused).toMatchObject({ status: 507, body: storageError('STORAGE_FULL') });
    expect
      .soft(await leftBehind(root, 'HALF-1', tmpBefore), 'a 507 must leave no task file for bees to pick up')
      .toEqual(nothing);

    rmSync(filler.file);
    const retried = await tryDispatch(server.url, task('HALF-1'));
    expect(retried, 'the refused id must be free to retry').toMatchObject({ status: 200, body: { task_id: 'HALF-1' } });
  });
});

test('a response noticed while the ledger cannot record it is recorded once space is back, exactly once, without a restart', async () => {
  await withSmallDisk({ HIVE_POLL_MS: '300' }, async (disk, server) => {
    const root = disk.dir;
    const hive = path.join(root, '.deia', 'hive');
    // "Exactly once" must come from the server's own check, not the ledger's unique index.
    dropCompletionGuard(root);
    expect((await tryDispatch(server.url, task('ANSWERED-WHILE-FULL'))).status).toBe(200);
    // The bee wrote its answer in tmp/ before the disk filled; publishing it (a rename) needs no space.
    writeFileSync(path.join(hive, 'tmp', 'answer.part'), 'answered on a full disk');
    const filler = disk.fill();
    renameSync(path.join(hive, 'tmp', 'answer.part'), path.join(hive, 'responses', 'RESPONSE-ANSWERED-WHILE-FULL.md'));

    await expect
      .poll(async () => (await getJson(`${server.url}/api/tasks/status/ANSWERED-WHILE-FULL`)).body.status)
      .toBe('completed');
    // Free space only after the server has tried to record the completion (and logged its failure).
    await expect
      .poll(() => server.output().includes('ANSWERED-WHILE-FULL'), { message: 'the server tried to record it' })
      .toBe(true);

    rmSync(filler.file);
    const completions = () =>
      readLedger(root, 'ANSWERED-WHILE-FULL').filter((e) => e.event_type === 'task_completed').length;
    await expect
      .poll(completions, { timeout: 5_000, message: 'task_completed is recorded once the disk has room again' })
      .toBe(1);
    await server.stop();
    const restarted = await startServer({ root });
    await restarted.stop();
    expect(completions()).toBe(1);
  });
});

test('a read-only hive refuses dispatches with 503 STORAGE_UNAVAILABLE, writes nothing, and recovers once writable', async () => {
  // `mount -o remount,ro` of the whole tmpfs is refused (EBUSY) while the server holds the
  // ledger open for writing, so the hive folder (task files, tmp/, responses/) goes read-only on its own.
  await withSmallDisk({}, async (disk, server) => {
    const root = disk.dir;
    expect((await tryDispatch(server.url, task('BEFORE-RO'))).status).toBe(200);
    const tmpBefore = (await scanHive(root)).tmpLeftovers;
    const ledgerBefore = readLedger(root).length;

    await disk.setReadOnly('.deia/hive', true);
    const knownBot = await tryDispatch(server.url, task('RO-1'));
    const newBot = await tryDispatch(server.url, task('RO-2', { bot_id: 'BEE-NEW' }));
    const waiting = await tryDispatch(server.url, task('RO-3', { wait_for_response: true, timeout_seconds: 5 }));
    expect
      .soft(knownBot, 'bot folder exists')
      .toMatchObject({ status: 503, body: storageError('STORAGE_UNAVAILABLE') });
    expect.soft(newBot, 'bot folder must be created').toMatchObject({
      status: 503,
      body: storageError('STORAGE_UNAVAILABLE'),
    });
    expect.soft(waiting, 'waiting dispatch').toMatchObject({ status: 503, body: storageError('STORAGE_UNAVAILABLE') });
    expect((await getJson(`${server.url}/api/tasks/status/BEFORE-RO`)).body.status).toBe('active');
    expect((await getJson(`${server.url}/api/health`)).body).toMatchObject({ status: 'ok', waiting: 0 });

    await disk.setReadOnly('.deia/hive', false);
    for (const id of ['RO-1', 'RO-2', 'RO-3']) expect(await leftBehind(root, id, tmpBefore), id).toEqual(nothing);
    expect(readLedger(root)).toHaveLength(ledgerBefore);

    expect(await tryDispatch(server.url, task('RO-1'))).toMatchObject({ status: 200, body: { task_id: 'RO-1' } });
    expect(await tryDispatch(server.url, task('RO-2', { bot_id: 'BEE-NEW' }))).toMatchObject({
      status: 200,
      body: { task_id: 'RO-2', bot_id: 'BEE-NEW' },
    });
  });
});
