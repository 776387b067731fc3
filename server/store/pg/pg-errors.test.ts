/**
 * Database failures as clients see them, on a real PostgreSQL: a database that is away is
 * 503 STORAGE_UNAVAILABLE (retry), one that refuses the request is a 500 that keeps
 * PostgreSQL's words in the server log.
 */
import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { freePort } from '../../../scripts/lib/server-process';
import { ERROR_TABLE, type HiveError } from '../../core/errors';
import { pgHives, type PgHives } from '../../testing/pg-hives';
import { runInput } from '../../testing/tasks';
import { databaseError } from './pg-errors';
import { openPool, transaction } from './pg-pool';

let hives: PgHives | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await hives?.cleanup();
  hives = undefined;
});

const task = (task_id: string, bot_id: string) => runInput({ task_id, bot_id });

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.fail('it was not refused'),
    (err: HiveError) => err,
  );

describe('a database that refuses the request', () => {
  it("is a 500 INTERNAL without PostgreSQL's message, which goes to the server log", async () => {
    hives = await pgHives('errors');
    const a = await hives.server();
    // A constraint this code knows nothing about, as a hand-edited schema would have.
    await (await hives.client()).query("ALTER TABLE tasks ADD CONSTRAINT no_secret_bot CHECK (bot_id <> 'BOT-SECRET')");
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);

    const err = await refusal(a.service.run(task('TASK-REFUSED', 'BOT-SECRET'), {}));

    expect(err).toMatchObject({ code: 'INTERNAL', message: 'Internal error; the server log has the details.' });
    expect(ERROR_TABLE[err.code].http).toBe(500);
    expect(JSON.stringify(logged.mock.calls.flat().map(String))).toContain('no_secret_bot');
    // Nothing of it was kept, and the next dispatch goes through.
    expect(await a.service.status('TASK-REFUSED')).toMatchObject({ status: 'not_found' });
    expect(await a.service.run(task('TASK-FINE', 'BOT-A'), {})).toMatchObject({ status: 'dispatched' });
  });
});

describe('a database out of disk space', () => {
  it('is a 507 STORAGE_FULL, as a full disk is for the file store', () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    // What node-postgres throws when PostgreSQL cannot extend a file (SQLSTATE 53100).
    const full = Object.assign(new Error('could not extend file "base/1/2": No space left on device'), {
      code: '53100',
    });
    const err = databaseError(full);
    expect(err).toMatchObject({ code: 'STORAGE_FULL' });
    expect(ERROR_TABLE[err.code].http).toBe(507);
    expect(err.message).not.toMatch(/base\/1/);
  });
});

describe('a database that cannot be reached', () => {
  it('is a 503 STORAGE_UNAVAILABLE when the session is terminated mid-request, and the server carries on', async () => {
    hives = await pgHives('errors');
    const a = await hives.server();
    // The database ends the session that inserts this bot's task, as a restart or an operator would.
    await (
      await hives.client()
    ).query(`
      CREATE FUNCTION end_my_session() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.bot_id = 'BOT-DOOMED' THEN PERFORM pg_terminate_backend(pg_backend_pid()); END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER end_my_session BEFORE INSERT ON tasks FOR EACH ROW EXECUTE FUNCTION end_my_session();`);
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);

    const err = await refusal(a.service.run(task('TASK-CUT-OFF', 'BOT-DOOMED'), {}));

    expect(err).toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    expect(ERROR_TABLE[err.code].http).toBe(503);
    expect(err.message).toMatch(/57P01.*retry/);
    expect(err.message).not.toMatch(/administrator command/);
    expect(await a.service.run(task('TASK-AFTER', 'BOT-A'), {})).toMatchObject({ status: 'dispatched' });
  });

  it('is a 503 STORAGE_UNAVAILABLE for reads too, while the network to the database is down, and reads work again once it is back', async () => {
    hives = await pgHives('errors');
    const link = await networkTo(new URL(hives.url));
    const a = await hives.server({ databaseUrl: link.url, pollMs: 60_000 });
    await a.service.run(task('TASK-BEFORE', 'BOT-A'), {});
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);

    link.cut();
    for (const read of [
      a.service.status('TASK-BEFORE'),
      a.service.detail('TASK-BEFORE'),
      a.service.list({ limit: 10 }),
    ]) {
      expect(await refusal(read)).toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    }
    expect(logged).not.toHaveBeenCalled();

    link.restore();
    expect(await a.service.status('TASK-BEFORE')).toMatchObject({ status: 'active' });
    await link.close();
  });

  it('is a 503 STORAGE_UNAVAILABLE when nothing listens where the database should be', async () => {
    const pool = openPool(`postgres://postgres@127.0.0.1:${await freePort()}/hive`);
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const err = await refusal(transaction(pool, (tx) => tx.query('SELECT 1')));
    await pool.end();
    expect(err).toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    expect(err.message).toMatch(/ECONNREFUSED/);
  });
});

/**
 * The network between a server and its database, as a TCP relay the test can cut (every
 * connection reset, new ones refused) and restore on the same port.
 */
async function networkTo(database: URL) {
  const sockets = new Set<net.Socket>();
  let up = true;
  const relay = net.createServer((client) => {
    if (!up) return client.destroy();
    const upstream = net.connect(Number(database.port), database.hostname);
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      sockets.add(from);
      from.pipe(to);
      from.on('error', () => to.destroy());
      from.on('close', () => (sockets.delete(from), to.destroy()));
    }
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const url = new URL(database);
  url.port = String((relay.address() as net.AddressInfo).port);
  return {
    url: url.toString(),
    cut() {
      up = false;
      for (const socket of sockets) socket.resetAndDestroy();
    },
    restore() {
      up = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        relay.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
