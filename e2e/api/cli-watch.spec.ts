/** `hive watch`: replay from an event id (--since), one task only (--task), and following the hive across a server restart. */
import type { LedgerEvent } from '../../server/contracts/ledger';
import type { ServerProcess } from '../../scripts/lib/server-process';
import { EXIT, start, uniqueId, type Running } from '../support/cli';
import { dispatch, expect, test, writeResponse } from '../support/fixtures';
import { answerAsBee, taskEvents } from '../support/hive-api';
import { storedEventIds } from '../support/ledger';

const hello = { intent: 'code', title: 'Create hello.py', summary: 'Write a hello world script' };

/** The events `watch --json` has printed so far, one JSON object per stdout line. */
const printed = (watch: Running): LedgerEvent[] =>
  watch
    .stdout()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as LedgerEvent);

const idOf = async (server: ServerProcess, taskId: string, type: string) =>
  (await taskEvents(server, taskId)).find((e) => e.event_type === type)!.id;

async function stop(watch: Running) {
  watch.child.kill('SIGTERM');
  expect((await watch.done).code).toBe(EXIT.ok);
}

test('watch --since N replays every event after N, then follows new ones, each once', async ({ server }) => {
  const before = await dispatch(server, { ...hello, title: 'before the mark' });
  const since = await idOf(server, before.body.task_id, 'task_dispatched');
  const after = await dispatch(server, { ...hello, title: 'after the mark' });

  const watch = start(['watch', '--since', String(since), '--json'], server.url);
  try {
    await watch.waitFor(new RegExp(`"task_dispatched","task_id":"${after.body.task_id}"`));
    const live = await dispatch(server, { ...hello, title: 'while watching' });
    await watch.waitFor(new RegExp(`"task_dispatched","task_id":"${live.body.task_id}"`));

    // Against the ledger as stored, not the stream `watch` reads: a stream that lost an event would lose it twice.
    const ids = printed(watch).map((e) => e.id);
    const ledger = (await storedEventIds(server, since)).filter((id) => id <= ids.at(-1)!);
    expect(ids).toEqual(ledger);
    expect(printed(watch).some((e) => e.task_id === before.body.task_id)).toBe(false);
  } finally {
    await stop(watch);
  }
});

test('watch --task ID prints only that task’s events', async ({ server, store }) => {
  const taskId = `TASK-WATCHED-${Date.now()}`;
  // A bot of its own: a bee over HTTP (Postgres) claims the oldest task of its bot.
  const bot = uniqueId('WATCHED');
  const watch = start(['watch', '--task', taskId, '--json'], server.url);
  try {
    await watch.waitFor(new RegExp(`watching http://127\\.0\\.0\\.1:\\d+ for ${taskId}`));
    // Another task's events go by first, in the same stream.
    const other = await dispatch(server, { ...hello, title: 'not watched' });
    await dispatch(server, { ...hello, task_id: taskId, bot_id: bot });
    await answerAsBee(server, store, { taskId, botId: bot, content: 'done' });
    // The last event: the task file archived (files); on Postgres, with no file, the completion.
    const last = store === 'files' ? 'task_archived' : 'task_completed';
    await watch.waitFor(new RegExp(`"${last}"`));

    const events = printed(watch);
    expect(events.map((e) => e.event_type)).toEqual(
      store === 'files'
        ? ['task_execution_started', 'task_routed', 'task_dispatched', 'task_completed', 'task_archived']
        : ['task_execution_started', 'task_routed', 'task_dispatched', 'task_claimed', 'task_completed'],
    );
    expect(new Set(events.map((e) => e.task_id))).toEqual(new Set([taskId]));
    // The other task's events were in the stream before these, so they were seen and left out.
    expect(await idOf(server, other.body.task_id, 'task_dispatched')).toBeLessThan(events[0]!.id);
  } finally {
    await stop(watch);
  }
});

test('watch follows the hive across a server restart on the same port, missing nothing and repeating nothing', async ({
  store,
  servers,
}) => {
  let server = await servers.start();
  const { root, port } = server;
  const watch = start(['watch', '--json'], server.url);
  try {
    await watch.waitFor(/watching http/);
    const first = await dispatch(server, { ...hello, title: 'before the restart' });
    await watch.waitFor(new RegExp(`"task_dispatched","task_id":"${first.body.task_id}"`));

    await server.stop();
    await watch.waitFor(/reconnecting/);
    // Answered while the server is down: the next server records it at start-up (a response file:
    // on Postgres, where bees answer over HTTP, nothing can be answered while no server runs).
    if (store === 'files') await writeResponse(root, `${first.body.task_id}.md`, 'answered while the server was down');
    server = await servers.start({ root, port });
    await watch.waitFor(/reconnected/, 30_000);

    const second = await dispatch(server, { ...hello, title: 'after the restart' });
    await watch.waitFor(new RegExp(`"task_dispatched","task_id":"${second.body.task_id}"`), 30_000);

    const ids = printed(watch).map((e) => e.id);
    const ledger = (await storedEventIds(server, ids[0]! - 1)).filter((id) => id <= ids.at(-1)!);
    expect(ids).toEqual(ledger);
    expect(
      printed(watch)
        .filter((e) => e.task_id === first.body.task_id)
        .map((e) => e.event_type),
    ).toEqual(
      store === 'files'
        ? ['task_execution_started', 'task_routed', 'task_dispatched', 'task_completed', 'task_archived']
        : ['task_execution_started', 'task_routed', 'task_dispatched'],
    );
  } finally {
    await stop(watch);
    await server.stop();
  }
});
