/** tRPC errors over real HTTP (through the error formatter): the mapped codes beyond BAD_REQUEST/CONFLICT/NOT_FOUND, field errors, and masked internal failures. */
import path from 'node:path';
import { TRPCClientError } from '@trpc/client';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { createHiveClient } from '../../scripts/cli/client';
import { dispatch, expect, snapshotState, status, test } from '../support/fixtures';
import { taskEvents } from '../support/hive-api';

const hello = { intent: 'code', title: 'Create hello.py', summary: 'Write a hello world script' };

/** What the client threw, or a failure if it did not throw a tRPC error. */
async function trpcError(call: Promise<unknown>): Promise<TRPCClientError<any>> {
  const outcome = await call.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome) || !(outcome.error instanceof TRPCClientError)) {
    throw new Error(`expected a tRPC error, got ${JSON.stringify(outcome)}`);
  }
  return outcome.error;
}

const waiting = async (url: string) =>
  ((await (await fetch(`${url}/api/health`)).json()) as { waiting: number }).waiting;

test('a wait beyond HIVE_MAX_WAITERS is TOO_MANY_REQUESTS (429) over tRPC, TOO_MANY_WAITERS over REST, and writes nothing', async ({
  store,
  servers,
}) => {
  const server = await servers.start({ env: { HIVE_MAX_WAITERS: '1' } });
  const hive = createHiveClient(server.url);
  const holder = new AbortController();
  const held = fetch(`${server.url}/api/tasks/run`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...hello, task_id: 'TASK-HOLDER', wait_for_response: true, timeout_seconds: 600 }),
    signal: holder.signal,
  }).catch(() => 'hung up');
  try {
    await expect.poll(() => waiting(server.url)).toBe(1);
    // Its place is taken before its file is written: wait until the dispatch is recorded too.
    await expect
      .poll(async () => (await taskEvents(server, 'TASK-HOLDER').catch(() => [])).map((e) => e.event_type))
      .toContain('task_dispatched');
    const before = await snapshotState(server, store);

    const error = await trpcError(
      hive.tasks.run.mutate({ ...hello, task_id: 'TASK-REFUSED', wait_for_response: true, timeout_seconds: 60 }),
    );
    expect(error.data).toMatchObject({ code: 'TOO_MANY_REQUESTS', httpStatus: 429 });
    expect(error.message).toMatch(/already waiting for responses \(limit 1\)/);
    const rest = await dispatch(server, { ...hello, task_id: 'TASK-REFUSED', wait_for_response: true });
    expect(rest).toMatchObject({ status: 429, body: { error: { code: 'TOO_MANY_WAITERS' } } });

    expect(await snapshotState(server, store)).toEqual(before);
    expect(await status(server, 'TASK-REFUSED')).toMatchObject({ status: 404 });
    // The limit is on waits: the same dispatch without waiting goes through.
    expect(await hive.tasks.run.mutate({ ...hello, task_id: 'TASK-REFUSED' })).toMatchObject({ status: 'dispatched' });
  } finally {
    holder.abort();
    await held;
  }
});

test('bad input is BAD_REQUEST (400) with data.fields naming each offending field', async ({ server }) => {
  const hive = createHiveClient(server.url);

  const run = await trpcError(hive.tasks.run.mutate({ title: '', timeout_seconds: 'x' } as never));
  expect(run.data).toMatchObject({ code: 'BAD_REQUEST', httpStatus: 400 });
  expect(Object.keys(run.data.fields ?? {}).sort()).toEqual(['intent', 'summary', 'timeout_seconds', 'title']);
  expect(run.data.fields.title).toEqual(['title must not be empty']);
  expect(run.message).toMatch(/^Invalid input: /);

  const lookup = await trpcError(hive.tasks.status.query({ task_id: '../../etc/passwd' }));
  expect(lookup.data).toMatchObject({ code: 'BAD_REQUEST', httpStatus: 400 });
  expect(Object.keys(lookup.data.fields ?? {})).toEqual(['task_id']);

  const list = await trpcError(hive.tasks.list.query({ limit: 0, lane: '' }));
  expect(Object.keys(list.data.fields ?? {}).sort()).toEqual(['lane', 'limit']);
});

test('an internal failure reaches the client as a generic INTERNAL_SERVER_ERROR; the details stay in the server log', async ({
  store,
  servers,
}) => {
  const server = await servers.start();
  const hive = createHiveClient(server.url);
  await hive.tasks.run.mutate({ ...hello, task_id: 'TASK-BEFORE-DAMAGE' });
  let failing: Promise<unknown>;
  let inLog: RegExp;
  if (store === 'files') {
    // Someone removes the task list's table from the ledger behind the server's back.
    const db = new Database(path.join(server.root, '.deia', 'ledger.db'));
    db.exec('DROP TABLE task_view');
    db.close();
    failing = hive.tasks.list.query({});
    inLog = /tRPC tasks\.list failed.*no such table: task_view/s;
  } else {
    // Someone removes the tasks table from the database behind the server's back: the next dispatch fails.
    const db = new Client({ connectionString: await servers.databaseUrl(server.root) });
    await db.connect();
    await db.query('DROP TABLE tasks CASCADE');
    await db.end();
    failing = hive.tasks.run.mutate({ ...hello, task_id: 'TASK-AFTER-DAMAGE' });
    inLog = /tRPC tasks\.run failed.*relation "tasks" does not exist/s;
  }

  const error = await trpcError(failing);
  expect(error.data).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', httpStatus: 500 });
  expect(error.message).toBe('Internal error; the server log has the details.');
  expect(error.data.stack).toBeUndefined();
  expect(JSON.stringify({ message: error.message, data: error.data })).not.toMatch(
    /task_view|no such table|Sqlite|relation|does not exist/,
  );
  await expect.poll(() => server.output()).toMatch(inLog);
});
