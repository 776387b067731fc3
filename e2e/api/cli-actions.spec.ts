/** `hive bots` and the operator actions from the command line (cancel, retry, reassign, reclaim, pause, resume), against the real server. */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { claimAsBee, writePresence } from '../../scripts/lib/hive-files';
import type { ServerProcess } from '../../scripts/lib/server-process';
import { EXIT, hive, uniqueId } from '../support/cli';
import { dispatch, expect, status, test, type Store } from '../support/fixtures';
import { HttpBee, taskEvents, trpcQuery } from '../support/hive-api';
import { taskPathPattern } from '../support/store';

const task = (bot: string, title = 'Create hello.py') => ({ intent: 'code', title, summary: 's', bot_id: bot });

/** A bot's inbox: its task files on files; on Postgres (no files) the tasks waiting for it. */
const inbox = async (server: ServerProcess, store: Store, bot: string): Promise<string[]> =>
  store === 'files'
    ? (await readdir(path.join(server.root, '.deia', 'hive', 'tasks', bot)).catch(() => [])).filter((f) =>
        f.endsWith('.json'),
      )
    : (await trpcQuery(server, 'tasks.list', { bot_id: bot, state: 'waiting' })).items.map(
        (row: { task_id: string }) => row.task_id,
      );

const stateOf = async (server: ServerProcess, taskId: string) => (await status(server, taskId)).body.state;

test('bots: a bot whose tasks wait with no live bee is warned about by name, live bees are listed, --check exits 9', async ({
  store,
  servers,
}) => {
  // Its own hive: "no warnings" is only true of a hive no other test has dispatched into.
  const server = await servers.start();
  // A running bee's heartbeat: its presence file on files, a heartbeat over HTTP on Postgres.
  const heartbeat =
    store === 'files'
      ? () => writePresence(server.root, 'busy-bee', ['BEE-LIVE'])
      : () => new HttpBee(server, 'busy-bee').heartbeat(['BEE-LIVE']);
  const quiet = await hive(['bots', '--check'], server.url);
  expect(quiet.code, quiet.stderr).toBe(EXIT.ok);
  expect(quiet.stdout).toContain('No warnings.');

  const nobody = uniqueId('NOBODY');
  await heartbeat();
  await expect.poll(async () => (await (await fetch(`${server.url}/api/hive/bots`)).json()).bees.length).toBe(1);
  const waiting = await dispatch(server, task(nobody));
  const served = await dispatch(server, task('BEE-LIVE'));
  // A heartbeat, as a running bee writes every few seconds: the bee stays live however slow the machine is.
  await heartbeat();

  const [text, check, json, stuck, all] = await Promise.all([
    hive(['bots'], server.url),
    hive(['bots', '--check'], server.url),
    hive(['bots', '--json'], server.url),
    hive(['list', '--stuck', '--json'], server.url),
    hive(['list', '--json'], server.url),
  ]);
  expect(text.code, text.stderr).toBe(EXIT.ok);
  expect(text.stdout).toMatch(/^BOT\s+WAITING\s+OLDEST WAIT\s+IN PROGRESS\s+BLOCKED\s+HELD\s+PAUSED\s+LIVE BEES/m);
  expect(text.stdout).toMatch(new RegExp(`^${nobody}\\s+1\\s+\\d+s\\s+0\\s+0\\s+0\\s+no\\s+0\\s+-$`, 'm'));
  expect(text.stdout).toMatch(/^BEE-LIVE\s+1\s+\d+s\s+0\s+0\s+0\s+no\s+1\s+-$/m);
  expect(text.stdout).toMatch(
    store === 'files'
      ? new RegExp(`^busy-bee\\s+BEE-LIVE\\s+\\S+\\s+${process.pid}\\s+file\\s+yes\\s+\\d+s ago\\s+-$`, 'm')
      : /^busy-bee\s+BEE-LIVE\s+\S+\s+\S+\s+http\s+yes\s+\d+s ago\s+-$/m,
  );
  expect(text.stdout).toMatch(
    new RegExp(`^no_live_bee\\s+bot ${nobody}\\s+1 task waits for ${nobody} and no live bee serves it`, 'm'),
  );
  expect(text.stdout).not.toMatch(/^no_live_bee\s+bot BEE-LIVE/m);

  expect(check.code).toBe(EXIT.warnings);
  expect(check.stderr).toContain('check: 1 warning');

  expect(json.code, json.stderr).toBe(EXIT.ok);
  expect(JSON.parse(json.stdout).warnings).toEqual([expect.objectContaining({ code: 'no_live_bee', bot_id: nobody })]);

  // --stuck keeps the task nobody serves and drops the one a live bee could take.
  const ids = (result: { stdout: string }) => JSON.parse(result.stdout).items.map((r: any) => r.task_id);
  expect(ids(all)).toEqual(expect.arrayContaining([waiting.body.task_id, served.body.task_id]));
  expect(ids(stuck)).toEqual([waiting.body.task_id]);
});

test('cancel: an unclaimed task is cancelled at once; a second cancel exits with the conflict code and the reason', async ({
  server,
  store,
}) => {
  test.skip(
    store === 'postgres',
    'the CLI calls the same endpoint as actions.spec and ui/task-actions on Postgres: the api project runs it',
  );
  const bot = uniqueId('CANCEL');
  const { body } = await dispatch(server, task(bot));
  const id = body.task_id;
  expect(await inbox(server, store, bot)).toHaveLength(1);

  const first = await hive(['cancel', id, '--reason', 'not needed'], server.url);
  expect(first.code, first.stderr).toBe(EXIT.ok);
  expect(first.stdout).toMatch(new RegExp(`^task\\s+${id}\\n^state\\s+cancelled$`, 'm'));
  expect(await inbox(server, store, bot)).toEqual([]);
  const cancelled = (await taskEvents(server, id)).filter((e) => e.event_type === 'task_cancelled');
  expect(cancelled.map((e) => e.data.reason)).toEqual(['not needed']);

  const [again, againJson, unknown, shown] = await Promise.all([
    hive(['cancel', id], server.url),
    hive(['cancel', id, '--json'], server.url),
    hive(['cancel', 'TASK-NOPE-404'], server.url),
    hive(['status', id], server.url),
  ]);
  expect(again.code).toBe(EXIT.conflict);
  expect(again.stderr).toContain(`error: ${id} is already cancelled; there is nothing left to cancel.`);
  expect(againJson.code).toBe(EXIT.conflict);
  expect(JSON.parse(againJson.stdout)).toEqual({
    status: 'error',
    error: { code: 'CONFLICT', message: `${id} is already cancelled; there is nothing left to cancel.` },
    exit_code: EXIT.conflict,
  });
  expect(unknown.code).toBe(EXIT.notFound);
  expect(unknown.stderr).toContain('No task "TASK-NOPE-404" in this hive.');
  expect(shown.stdout).toMatch(/^state\s+cancelled$/m);
});

test('retry --summary dispatches a new task, attempt 2, carrying the old one’s fields and lineage', async ({
  server,
  store,
}) => {
  test.skip(
    store === 'postgres',
    'the CLI calls the same endpoint as actions.spec and ui/task-actions on Postgres: the api project runs it',
  );
  const bot = uniqueId('RETRY');
  const { body } = await dispatch(server, task(bot, 'Create hello.py'));
  const id = body.task_id;

  // Still waiting: a retry would run it twice, so it is refused with the reason.
  const early = await hive(['retry', id, '--summary', 'too soon'], server.url);
  expect(early.code).toBe(EXIT.conflict);
  expect(early.stderr).toContain(`${id} is still waiting; cancel it first, then retry it.`);

  expect((await hive(['cancel', id], server.url)).code).toBe(EXIT.ok);
  const retry = await hive(['retry', id, '--summary', 'Use Python 3.12', '--reason', 'wrong version'], server.url);
  expect(retry.code, retry.stderr).toBe(EXIT.ok);
  const newId = /^dispatched\s+(\S+)$/m.exec(retry.stdout)?.[1];
  expect(newId).toBeDefined();
  expect(newId).not.toBe(id);
  expect(retry.stdout).toMatch(new RegExp(`^retry of\\s+${id}$`, 'm'));
  expect(retry.stdout).toMatch(/^attempt\s+2$/m);
  expect(retry.stdout).toMatch(/^state\s+waiting$/m);

  const [json, text] = await Promise.all([
    hive(['status', newId!, '--json'], server.url),
    hive(['status', newId!], server.url),
  ]);
  expect(JSON.parse(json.stdout).task).toMatchObject({
    title: 'Create hello.py',
    summary: 'Use Python 3.12',
    bot_id: bot,
    retried_from: id,
    attempt: 2,
  });
  expect(text.stdout).toMatch(new RegExp(`^retry of\\s+${id} \\(attempt 2\\)$`, 'm'));
});

test('reassign --dry-run says what would happen and moves nothing; then reassign moves the task file', async ({
  server,
  store,
}) => {
  test.skip(
    store === 'postgres',
    'the CLI calls the same endpoint as actions.spec and ui/task-actions on Postgres: the api project runs it',
  );
  const from = uniqueId('FROM');
  const to = uniqueId('TO');
  const { body } = await dispatch(server, task(from));
  const id = body.task_id;

  const dry = await hive(['reassign', id, '--bot', to, '--dry-run'], server.url);
  expect(dry.code, dry.stderr).toBe(EXIT.ok);
  expect(dry.stdout).toMatch(new RegExp(`^from\\s+${from}$`, 'm'));
  expect(dry.stdout).toMatch(new RegExp(`^to\\s+${to}$`, 'm'));
  expect(dry.stdout).toMatch(/^dry run\s+nothing was moved$/m);
  expect(dry.stdout).toMatch(new RegExp(`^warning\\s+no_live_bee: No live bee serves ${to}`, 'm'));
  expect(await inbox(server, store, from)).toHaveLength(1);
  expect(await inbox(server, store, to)).toEqual([]);

  const real = await hive(['reassign', id, '--bot', to], server.url);
  expect(real.code, real.stderr).toBe(EXIT.ok);
  const taskPath = /^task path\s+(\S+)$/m.exec(real.stdout)?.[1];
  expect(taskPath, real.stdout).toMatch(taskPathPattern(store, to, id));
  expect(real.stdout).not.toContain('dry run');
  expect(await inbox(server, store, from)).toEqual([]);
  expect(await inbox(server, store, to)).toHaveLength(1);
  expect((await status(server, id)).body.task.bot_id).toBe(to);

  const same = await hive(['reassign', id, '--bot', to], server.url);
  expect(same.code).toBe(EXIT.conflict);
  expect(same.stderr).toContain(`${id} is already assigned to ${to}.`);
});

test('reclaim: a task claimed by a bee that is not live waits again, as attempt 2', async ({ server, store }) => {
  test.skip(store === 'postgres', 'a claim file with no presence file beside it: a bee over HTTP claims with a lease');
  const bot = uniqueId('RECLAIM');
  const { body } = await dispatch(server, task(bot));
  const id = body.task_id;
  // A bee that claimed it and went away: its claim file, and no presence file.
  expect(await claimAsBee(server.root, id, 'gone-bee', bot)).toBe(true);
  await expect.poll(() => stateOf(server, id), { timeout: 15_000 }).toBe('claimed');

  const bots = await hive(['bots', '--json'], server.url);
  expect(JSON.parse(bots.stdout).warnings).toContainEqual(
    expect.objectContaining({ code: 'stale_claim', task_id: id, bee: 'gone-bee' }),
  );

  const reclaim = await hive(['reclaim', id], server.url);
  expect(reclaim.code, reclaim.stderr).toBe(EXIT.ok);
  expect(reclaim.stdout).toMatch(/^state\s+waiting$/m);
  expect(reclaim.stdout).toMatch(/^next attempt\s+2$/m);
  expect(existsSync(path.join(server.root, '.deia', 'hive', 'claims', id))).toBe(false);
  expect(await stateOf(server, id)).toBe('waiting');

  const again = await hive(['reclaim', id], server.url);
  expect(again.code).toBe(EXIT.conflict);
  expect(again.stderr).toContain(`${id} is waiting; no bee holds a claim on it.`);
});

test('pause holds a new dispatch (state held, out of the inbox); resume puts it in the inbox (waiting)', async ({
  server,
  store,
}) => {
  test.skip(
    store === 'postgres',
    'the CLI calls the same endpoint as actions.spec and ui/task-actions on Postgres: the api project runs it',
  );
  const bot = uniqueId('PAUSE');
  const pause = await hive(['pause', bot], server.url);
  expect(pause.code, pause.stderr).toBe(EXIT.ok);
  expect(pause.stdout).toMatch(/^paused\s+yes$/m);

  const run = await hive(['run', '--intent', 'code', '--title', 'Held', '--summary', 's', '--bot', bot], server.url);
  expect(run.code, run.stderr).toBe(EXIT.ok);
  expect(run.stdout).toMatch(/^state\s+held$/m);
  const id = /^dispatched\s+(\S+)$/m.exec(run.stdout)![1]!;

  const [held, listed] = await Promise.all([
    hive(['status', id], server.url),
    hive(['list', '--bot', bot, '--state', 'held'], server.url),
  ]);
  expect(held.stdout).toMatch(/^state\s+held$/m);
  expect(listed.stdout).toMatch(new RegExp(`^${id}\\s+held\\s+active\\s`, 'm'));
  expect(await inbox(server, store, bot)).toEqual([]);

  const resume = await hive(['resume', bot], server.url);
  expect(resume.code, resume.stderr).toBe(EXIT.ok);
  expect(resume.stdout).toMatch(/^paused\s+no$/m);
  const [waiting, stillHeld] = await Promise.all([
    hive(['status', id], server.url),
    hive(['list', '--bot', bot, '--state', 'held', '--json'], server.url),
  ]);
  expect(waiting.stdout).toMatch(/^state\s+waiting$/m);
  expect(JSON.parse(stillHeld.stdout).items).toEqual([]);
  expect(await inbox(server, store, bot)).toHaveLength(1);
});
