/**
 * Database failures as clients see them, on a real PostgreSQL: a database that is away is
 * 503 STORAGE_UNAVAILABLE (retry), one that refuses the request is a 500 that keeps
 * PostgreSQL's words in the server log.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { freePort } from '../../../scripts/lib/server-process';
import { ERROR_TABLE, type HiveError } from '../../core/errors';
import { pgHives, type PgHives } from '../../testing/pg-hives';
import { openPool, transaction } from './pg-pool';

let hives: PgHives | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await hives?.cleanup();
  hives = undefined;
});

const task = (task_id: string, bot_id: string) => ({
  task_id,
  bot_id,
  intent: 'review',
  title: `Review ${task_id}`,
  summary: '',
  kb_entities: [],
  wait_for_response: false,
  timeout_seconds: 30,
});

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

  it('is a 503 STORAGE_UNAVAILABLE when nothing listens where the database should be', async () => {
    const pool = openPool(`postgres://postgres@127.0.0.1:${await freePort()}/hive`);
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const err = await refusal(transaction(pool, (tx) => tx.query('SELECT 1')));
    await pool.end();
    expect(err).toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    expect(err.message).toMatch(/ECONNREFUSED/);
  });
});
