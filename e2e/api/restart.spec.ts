/** What survives the server going away: a killed server loses nothing it acknowledged, and responses written while it was down count once. */
import { existsSync } from 'node:fs';
import { utimes } from 'node:fs/promises';
import path from 'node:path';
import { startServer, tempHiveRoot } from '../../scripts/lib/server-process';
import { dispatch, expect, status, test, writeResponse } from '../support/fixtures';
import { taskEvents } from '../support/hive-api';
import { dropCompletionGuard, readLedger } from '../support/ledger';

const valid = { intent: 'code', title: 'Create hello.py', summary: 'Write a hello world script' };

test('a response written while the server was down completes the task at start-up, exactly once', async ({ store }) => {
  test.skip(
    store === 'postgres',
    'a response file in the hive and the start-up scan of it: Postgres has no hive files',
  );
  const root = await tempHiveRoot();
  const first = await startServer({ root });
  const { body } = await dispatch(first, { ...valid, task_id: 'TASK-OFFLINE' });
  await first.stop();

  await writeResponse(root, 'RESPONSE-TASK-OFFLINE.md', 'answered while the server was down');

  const second = await startServer({ root });
  try {
    await expect.poll(() => readLedger(root, 'TASK-OFFLINE').map((e) => e.event_type)).toContain('task_completed');
    expect(await status(second, 'TASK-OFFLINE')).toMatchObject({
      status: 200,
      body: { status: 'completed', content: 'answered while the server was down' },
    });
    expect(body.task_id).toBe('TASK-OFFLINE');
  } finally {
    await second.stop();
  }

  // Without the ledger's unique index only the server's own check keeps the completion to
  // one. The response is old by now, so the start-up scan counts it before the server is ready.
  dropCompletionGuard(root);
  const past = new Date(Date.now() - 60_000);
  await utimes(path.join(root, '.deia', 'hive', 'responses', 'RESPONSE-TASK-OFFLINE.md'), past, past);
  const third = await startServer({ root });
  await third.stop();
  expect(readLedger(root, 'TASK-OFFLINE').filter((e) => e.event_type === 'task_completed')).toHaveLength(1);
});

test('SIGKILL right after a 200 loses neither the task file nor its ledger events', async ({ store, servers }) => {
  const root = await tempHiveRoot();
  const server = await servers.start({ root });
  const replies = await Promise.all(
    Array.from({ length: 50 }, (_, i) => dispatch(server, { ...valid, title: `t${i}` })),
  );
  await server.stop('SIGKILL');
  const dispatchEvents = ['task_execution_started', 'task_routed', 'task_dispatched'];

  // On files, read before anything could repair it: the task files and the ledger as the killed server left them.
  if (store === 'files') {
    const ledger = readLedger(root);
    for (const { status: code, body } of replies) {
      expect(code).toBe(200);
      expect(existsSync(path.join(root, body.task_path))).toBe(true);
      const types = ledger.filter((e) => e.task_id === body.task_id).map((e) => e.event_type);
      expect(types).toEqual(dispatchEvents);
    }
  }

  const restarted = await servers.start({ root });
  for (const { status: code, body } of replies) {
    expect(code).toBe(200);
    expect((await status(restarted, body.task_id)).body.status).toBe('active');
    expect((await taskEvents(restarted, body.task_id)).map((e) => e.event_type)).toEqual(dispatchEvents);
  }
});

test('a second server on the same hive is refused at start-up, naming the first; once the first is killed, it starts', async ({
  store,
}) => {
  test.skip(
    store === 'postgres',
    'the single-server lock of a file hive: on Postgres several servers share one database',
  );
  const root = await tempHiveRoot();
  const first = await startServer({ root });
  try {
    const refusal = await startServer({ root }).catch((err: unknown) => (err as Error).message);
    expect(refusal).toMatch(/exited with 73 before it was ready/);
    expect(refusal).toContain(`Another Hive Control server already serves the hive at ${path.join(root, '.deia')}`);
    expect(refusal).toContain(`process ${first.child.pid} on `);
    // The refused server changed nothing: the first one still dispatches.
    expect((await dispatch(first, valid)).status).toBe(200);
  } finally {
    // No clean shutdown: the lock must go with the process, whatever killed it.
    await first.stop('SIGKILL');
  }
  const second = await startServer({ root });
  await second.stop();
});
