/** Operator actions over HTTP with real reference bees (DESIGN §7): cancel that stops the work, retry, batch, bulk, export, explain. */
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { ServerProcess } from '../../scripts/lib/server-process';
import { dispatch, expect, post, status, test } from '../support/fixtures';
import { ledgerEvents, taskEvents, trpcQuery } from '../support/hive-api';
import { alive, recordedPids } from '../support/pids';
import { responsePath } from '../support/store';
import { startStoreBee } from '../support/store-bee';

const run = promisify(execFile);

const terminal = async (server: ServerProcess, taskId: string) =>
  (await taskEvents(server, taskId)).filter(
    (e) => e.event_type === 'task_completed' || e.event_type === 'task_cancelled',
  );

/** The hive's response files (files; on Postgres there are none). */
const responseFiles = (server: ServerProcess) => readdir(path.join(server.root, '.deia', 'hive', 'responses'));

/** The response a task's detail shows, if any (on either store). */
const responseOf = async (server: ServerProcess, taskId: string) =>
  (await trpcQuery(server, 'tasks.detail', { task_id: taskId })).response as { response_path: string } | null;

test('cancelling a claimed task running `sleep 600`: the command is gone, the task cancelled, one terminal event', async ({
  store,
  servers,
}) => {
  test.skip(
    store === 'postgres',
    'the same cancel of a bee over HTTP as remote-bees.spec (a cancel reaches a remote bee): api runs it',
  );
  // A server of its own, and a reference bee for its store (over HTTP on Postgres).
  const server = await servers.start();
  const root = server.root;
  // Beside the hive, not in it: a bee over HTTP does not see the server's hive folder.
  const pids = path.join(root, '..', `pids-${path.basename(root)}`);
  const bee = await startStoreBee(server, store, {
    exec: `sh -c 'echo $$ >> ${pids}; sleep 600 & echo $! >> ${pids}; wait'`,
  });
  try {
    const { body } = await dispatch(server, { intent: 'code', title: 'Runaway', summary: 's' });
    const taskId = body.task_id as string;
    await expect.poll(async () => (await status(server, taskId)).body.state, { timeout: 20_000 }).toBe('in_progress');
    await expect.poll(async () => (await recordedPids(pids)).length).toBe(2);
    const commandPids = await recordedPids(pids);
    expect(commandPids.every(alive)).toBe(true);

    expect(await post(server, `/api/tasks/${taskId}/cancel`, { reason: 'runaway' })).toEqual({
      status: 200,
      body: { task_id: taskId, state: 'cancelling' },
    });
    // The shell and the sleep it started (its whole process group) stop within a second or two
    // (a bee over HTTP hears of the cancel in its next heartbeat reply, every 5 s).
    await expect.poll(() => commandPids.filter(alive), { timeout: store === 'files' ? 5_000 : 7_000 }).toEqual([]);
    await expect.poll(async () => (await status(server, taskId)).body.state).toBe('cancelled');
    expect((await terminal(server, taskId)).map((e) => [e.event_type, e.data])).toEqual([
      ['task_cancelled', { reason: 'acknowledged by the bee' }],
    ]);
    expect(await responseOf(server, taskId)).toBeNull();
    if (store === 'files') expect(await responseFiles(server)).toEqual([]);
    // Cancelled is final: a second cancel says so.
    const again = await post(server, `/api/tasks/${taskId}/cancel`);
    expect(again.status).toBe(409);
    expect(again.body.error.message).toBe(`${taskId} is already cancelled; there is nothing left to cancel.`);
  } finally {
    bee.child.kill('SIGTERM');
    await bee.done;
  }
});

test('a task cancelled before any bee is up is never answered by the bee that starts after', async ({
  store,
  servers,
}) => {
  const server = await servers.start();
  const { body } = await dispatch(server, { intent: 'code', title: 'Not wanted', summary: 's' });
  const cancelled = body.task_id as string;
  expect((await post(server, `/api/tasks/${cancelled}/cancel`)).body).toEqual({
    task_id: cancelled,
    state: 'cancelled',
  });
  const bee = await startStoreBee(server, store);
  try {
    // The control: a task dispatched after the bee started is answered, so the bee has looked.
    const { body: control } = await dispatch(server, { intent: 'code', title: 'Wanted', summary: 's' });
    await expect
      .poll(async () => (await status(server, control.task_id)).body.state, { timeout: 20_000 })
      .toBe('completed');
    expect(await responseOf(server, cancelled)).toBeNull();
    expect(await responseOf(server, control.task_id)).toMatchObject({
      response_path: responsePath(store, 'BEE-001', control.task_id),
    });
    if (store === 'files') expect(await responseFiles(server)).toEqual([`BEE-001-RESPONSE-${control.task_id}.md`]);
    expect((await status(server, cancelled)).body).toMatchObject({ status: 'cancelled', state: 'cancelled' });
  } finally {
    bee.child.kill('SIGTERM');
    await bee.done;
  }
});

test('a blocked task retried with an edited summary is answered; the lineage reads both ways', async ({
  store,
  servers,
}) => {
  const server = await servers.start();
  const root = server.root;
  // The "agent" fails when its task says xyzzy (spelt apart in the command, which the failure report quotes).
  const bee = await startStoreBee(server, store, {
    exec: `sh -c 'if grep -q xyz""zy; then echo broken >&2; exit 3; fi; echo "# fixed"'`,
  });
  try {
    const { body } = await dispatch(server, { intent: 'code', title: 'Flaky job', summary: 'xyzzy on purpose' });
    const first = body.task_id as string;
    // Blocked, with its report answered (the bee marks it blocked, then writes why).
    await expect
      .poll(async () => (await status(server, first)).body, { timeout: 20_000 })
      .toMatchObject({ status: 'completed', state: 'blocked' });

    const retried = await post(server, `/api/tasks/${first}/retry`, { summary: 'now it works' });
    expect(retried).toMatchObject({ status: 200, body: { status: 'dispatched', retried_from: first, attempt: 2 } });
    const second = retried.body.task_id as string;
    await expect.poll(async () => (await status(server, second)).body.state, { timeout: 20_000 }).toBe('completed');
    const archived = (await status(server, second)).body;
    expect(archived.content).toBe('# fixed\n');

    // The task as stored: its archived file on files (archiving follows the completion), its row on Postgres.
    const archivedEvent = async () => (await taskEvents(server, second)).find((e) => e.event_type === 'task_archived');
    if (store === 'files') await expect.poll(archivedEvent).toBeDefined();
    const archivedAt = await archivedEvent();
    const task =
      store === 'files'
        ? JSON.parse(await readFile(path.join(root, archivedAt!.data.task_path as string), 'utf8'))
        : (await trpcQuery(server, 'tasks.detail', { task_id: second })).task;
    expect(task).toMatchObject({
      summary: 'now it works',
      retried_from: first,
      attempt: 2,
      previous_outcome: { state: 'blocked', response_preview: expect.stringContaining('exited with code 3') },
    });
    const trpc = async (taskId: string) =>
      (
        await (
          await fetch(
            `${server.url}/api/trpc/tasks.detail?input=${encodeURIComponent(JSON.stringify({ task_id: taskId }))}`,
          )
        ).json()
      ).result.data.row;
    expect(await trpc(first)).toMatchObject({ retried_by: second });
    expect(await trpc(second)).toMatchObject({ retried_from: first });
  } finally {
    bee.child.kill('SIGTERM');
    await bee.done;
  }
});

test('run-many: 1,000 tasks in one request are all on disk, each once; 10 bad items get 10 precise errors', async ({
  store,
  servers,
}) => {
  const server = await servers.start();
  const bad = new Set([0, 99, 100, 300, 450, 600, 601, 750, 900, 999]);
  const tasks = Array.from({ length: 1000 }, (_, i) =>
    bad.has(i)
      ? { intent: 'code', title: '', summary: 's' }
      : { intent: 'code', title: `t${i}`, summary: 's', bot_id: 'BEE-BATCH' },
  );
  const reply = await post(server, '/api/tasks/run-many', { tasks });
  expect(reply.status).toBe(200);
  const results = reply.body.results as { status: string; index?: number; task_id?: string; error?: any }[];
  expect(results.filter((r) => r.status === 'error').map((r) => [r.index, Object.keys(r.error.fields)])).toEqual(
    [...bad].map((i) => [i, ['title']]),
  );
  const ids = results.filter((r) => r.status === 'dispatched').map((r) => r.task_id);
  expect(new Set(ids).size).toBe(990);
  if (store === 'files') {
    expect(await readdir(path.join(server.root, '.deia', 'hive', 'tasks', 'BEE-BATCH'))).toHaveLength(990);
  }
  expect(await trpcQuery(server, 'tasks.count', { bot_id: 'BEE-BATCH', state: 'waiting' })).toBe(990);
  const dispatched = (await ledgerEvents(server)).filter((e) => e.event_type === 'task_dispatched');
  expect(dispatched).toHaveLength(990);
});

test('pause holds dispatches out of the inbox, resume delivers them; bulk cancels by filter; export and explain answer curl', async ({
  server,
  store,
}) => {
  const bot = `BEE-PAUSE-${Date.now()}`;
  expect((await post(server, `/api/bots/${bot}/pause`)).body).toEqual({ bot_id: bot, paused: true, held: 0 });
  const held = await dispatch(server, { intent: 'code', title: 'Held, one, "two"', summary: 's', bot_id: bot });
  expect(held.body).toMatchObject({
    state: 'held',
    task_path:
      store === 'files'
        ? expect.stringMatching(new RegExp(`^\\.deia/hive/held/${bot}/`))
        : `postgres:tasks/${held.body.task_id}`,
  });
  expect((await post(server, `/api/bots/${bot}/resume`)).body).toEqual({ bot_id: bot, paused: false, held: 0 });
  expect((await status(server, held.body.task_id)).body).toMatchObject({ state: 'waiting' });

  const bulk = await post(server, '/api/bulk', { action: 'cancel', filter: { bot_id: bot, state: 'waiting' } });
  expect(bulk).toMatchObject({ status: 202, body: { matched: 1, dry_run: false } });
  await expect
    .poll(async () => (await (await fetch(`${server.url}/api/bulk/${bulk.body.bulk_id}`)).json()).state)
    .toBe('finished');

  const { stdout: csv } = await run('curl', ['-s', `${server.url}/api/tasks/export?format=csv&bot_id=${bot}`]);
  const [header, row] = csv.split('\r\n');
  expect(header).toMatch(/^task_id,bot_id,intent,title,state,/);
  expect(row).toContain(`${held.body.task_id},${bot},code,"Held, one, ""two""",cancelled`);

  const { stdout: explained } = await run('curl', [
    '-s',
    '-X',
    'POST',
    `${server.url}/api/routing/explain`,
    '-H',
    'Content-Type: application/json',
    '-d',
    '{"intent": "design"}',
  ]);
  expect(JSON.parse(explained)).toMatchObject({
    lane: 'llm',
    rule: 'design-planning',
    rules: [{ matched: true }, { matched: false }],
  });
});

test('a summary near the body limit (a whole spec with logs) is accepted, read back whole, and cut short on the live stream', async ({
  server,
}) => {
  const spec = `# Spec\n${'log line with some detail, '.repeat(35_000)}`.slice(0, 900_000);
  const { status: code, body } = await dispatch(server, { intent: 'code', title: 'Big spec', summary: spec });
  expect(code).toBe(200);
  expect((await status(server, body.task_id)).body.task.summary).toBe(spec);
  const timeline = await (
    await fetch(
      `${server.url}/api/trpc/tasks.timeline?input=${encodeURIComponent(JSON.stringify({ task_id: body.task_id }))}`,
    )
  ).json();
  const started = timeline.result.data.events[0].data;
  expect(started.summary).toHaveLength(2000);
  expect(started.summary_truncated).toBe(spec.length);
});
