/** Hive health over HTTP with real reference bees (DESIGN §6): who is alive, what is stuck and why, and a stale claim released. */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { startServer, tempHiveRoot, type ServerProcess } from '../../scripts/lib/server-process';
import { startBee } from '../support/bee';
import { EXIT, hive } from '../support/cli';
import { dispatch, expect, post, status, test } from '../support/fixtures';
import { eventsUntil, health, ledgerEvents } from '../support/hive-api';
import { readLedger } from '../support/ledger';
import { killRecorded } from '../support/pids';
import { startStoreBee } from '../support/store-bee';

async function bots(server: ServerProcess) {
  return (await (await fetch(`${server.url}/api/hive/bots`)).json()) as {
    bots: { bot_id: string; waiting: number; oldest_waiting_s: number | null; live_bees: number }[];
    bees: { bee: string; live: boolean; current_task: string | null }[];
    warnings: { code: string; bot_id?: string; task_id?: string; bee?: string; message: string }[];
  };
}

test('tasks for bots nobody serves wait, with a no_live_bee warning naming each bot and how long the oldest has waited', async ({
  server,
}) => {
  for (const bot_id of ['NOBODY-2', 'NOBODY-2', 'NOBODY-3']) {
    const { body } = await dispatch(server, { intent: 'code', title: 'Unserved', summary: 's', bot_id });
    expect((await status(server, body.task_id)).body).toMatchObject({ status: 'active', state: 'waiting' });
  }
  const report = await bots(server);
  expect(report.bots.find((b) => b.bot_id === 'NOBODY-2')).toMatchObject({ waiting: 2, live_bees: 0 });
  for (const [bot, count] of [
    ['NOBODY-2', '2 tasks wait'],
    ['NOBODY-3', '1 task waits'],
  ] as const) {
    const warning = report.warnings.find((w) => w.code === 'no_live_bee' && w.bot_id === bot);
    expect(warning?.message).toMatch(
      new RegExp(`^${count} for ${bot} and no live bee serves it; the oldest has waited \\d+s\\.$`),
    );
  }
});

test('a bee killed while it works goes offline, its claim goes stale, and a reclaim lets a live bee answer: the timeline tells it once, in order', async ({
  store,
}) => {
  test.skip(
    store === 'postgres',
    'file bees: offline by the pid in its presence file, a stale claim file (remote-bees.spec has the lease side)',
  );
  test.setTimeout(120_000);
  const root = await tempHiveRoot();
  const server = await startServer({ root });
  const pids = path.join(root, 'pids');
  const beeA = await startBee(root, { name: 'bee-a', exec: `sh -c 'echo $$ >> ${pids}; exec sleep 600'` });
  let beeB: Awaited<ReturnType<typeof startBee>> | undefined;
  try {
    const { body } = await dispatch(server, { intent: 'code', title: 'Long job', summary: 's' });
    const taskId = body.task_id as string;
    await expect.poll(async () => (await status(server, taskId)).body.state, { timeout: 20_000 }).toBe('in_progress');
    await expect
      .poll(async () => (await bots(server)).bees)
      .toEqual([expect.objectContaining({ bee: 'bee-a', live: true, current_task: taskId })]);

    beeA.child.kill('SIGKILL');
    // Its process is gone and it ran here: offline at the next liveness check, well inside 30 s.
    await expect
      .poll(async () => (await bots(server)).bees, { timeout: 30_000 })
      .toEqual([expect.objectContaining({ bee: 'bee-a', live: false })]);
    const stale = (await bots(server)).warnings.find((w) => w.code === 'stale_claim');
    expect(stale).toMatchObject({ task_id: taskId, bee: 'bee-a', bot_id: 'BEE-001' });
    // The operator at a terminal sees the same: the warning under `hive bots`, the task under `list --stuck`.
    const [cliBots, cliStuck] = await Promise.all([
      hive(['bots', '--check'], server.url),
      hive(['list', '--stuck', '--json'], server.url),
    ]);
    expect(cliBots.code, cliBots.stderr).toBe(EXIT.warnings);
    expect(cliBots.stdout).toMatch(new RegExp(`^bee-a\\s+BEE-001\\s+.*\\sno\\s`, 'm'));
    expect(cliBots.stdout).toMatch(new RegExp(`^stale_claim\\s+task ${taskId}\\s`, 'm'));
    expect(JSON.parse(cliStuck.stdout).items).toEqual([expect.objectContaining({ task_id: taskId })]);
    expect(
      readLedger(root)
        .filter((e) => e.event_type === 'bee_offline')
        .map((e) => JSON.parse(e.data)),
    ).toEqual([expect.objectContaining({ bee: 'bee-a', reason: 'process_gone' })]);

    expect(await post(server, `/api/tasks/${taskId}/reclaim`)).toEqual({
      status: 200,
      body: { task_id: taskId, state: 'waiting', attempt: 2 },
    });
    beeB = await startBee(root, { name: 'bee-b' });
    await expect.poll(async () => (await status(server, taskId)).body.state, { timeout: 20_000 }).toBe('completed');
    // Archiving follows the completion: its event is the story's last.
    await expect.poll(() => readLedger(root, taskId).at(-1)?.event_type).toBe('task_archived');

    const story = readLedger(root, taskId).map((e) => {
      const data = JSON.parse(e.data) as Record<string, unknown>;
      return [e.event_type, data.bee ?? data.status ?? ''];
    });
    expect(story).toEqual([
      ['task_execution_started', ''],
      ['task_routed', ''],
      ['task_dispatched', ''],
      ['task_claimed', 'bee-a'],
      ['task_status_changed', 'in_progress'],
      ['task_claim_released', ''],
      ['task_claimed', 'bee-b'],
      ['task_status_changed', 'in_progress'],
      ['task_completed', ''],
      ['task_archived', ''],
    ]);
    expect((await status(server, taskId)).body.content).toContain('Answered by **BEE-001**');
  } finally {
    beeA.child.kill('SIGKILL');
    beeB?.child.kill('SIGTERM');
    await beeB?.done;
    // The killed bee could not stop its command: the test does.
    await killRecorded(pids);
    await server.stop();
    await rm(root, { recursive: true, force: true });
  }
});

test('two bees on one bot: every task answered once, every claim recorded once, and the log stays quiet', async ({
  store,
  servers,
}) => {
  test.setTimeout(120_000);
  const server = await servers.start();
  // File bees on files; on Postgres (no hive files) the same bees over HTTP.
  const bees = [
    await startStoreBee(server, store, { name: 'bee-a' }),
    await startStoreBee(server, store, { name: 'bee-b' }),
  ];
  try {
    const mark = (await health(server)).ledger_last_id;
    const replies = await Promise.all(
      Array.from({ length: 60 }, (_, i) => dispatch(server, { intent: 'code', title: `pair ${i}`, summary: 's' })),
    );
    const ids = replies.map((r) => r.body.task_id as string);
    // A task ends with its task file archived (files); on Postgres, with no files, with its completion. Waiting
    // for those events, not polling 60 statuses over and over, leaves the loaded server to the bees, and a task
    // is looked at only once its last event is in.
    const last = store === 'files' ? 'task_archived' : 'task_completed';
    await eventsUntil(
      server,
      mark,
      (events) => {
        const ended = new Set(events.filter((e) => e.event_type === last).map((e) => e.task_id));
        return ids.every((id) => ended.has(id));
      },
      60_000,
    );
    const states = await Promise.all(ids.map(async (id) => (await status(server, id)).body.state));
    expect(states).toEqual(ids.map(() => 'completed'));
    // The ledger itself on files (the SQLite file, not the stream the wait read); the stream on Postgres.
    const ledger =
      store === 'files' ? readLedger(server.root).filter((e) => e.id > mark) : await ledgerEvents(server, mark);
    for (const id of ids) {
      const types = ledger.filter((e) => e.task_id === id).map((e) => e.event_type);
      expect(
        types.filter((t) => t === 'task_claimed'),
        id,
      ).toHaveLength(1);
      expect(
        types.filter((t) => t === 'task_completed'),
        id,
      ).toHaveLength(1);
      expect(types.at(-1), id).toBe(last);
    }
    expect(server.output()).not.toMatch(/could not archive|could not record/);
  } finally {
    for (const bee of bees) bee.child.kill('SIGTERM');
    await Promise.all(bees.map((bee) => bee.done));
  }
});
