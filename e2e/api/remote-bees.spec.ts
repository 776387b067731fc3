/**
 * Bees on other machines (DESIGN §8), end to end: reference bees over HTTP that share no
 * disk with the server (e2e/support/remote-bee.ts) work beside file bees, lose their lease
 * when they die, and stop when an operator cancels.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { withServer } from '../../scripts/lib/server-process';
import { startBee } from '../support/bee';
import { dispatch, expect, post, status, test } from '../support/fixtures';
import { taskEvents, trpcQuery } from '../support/hive-api';
import { readLedger } from '../support/ledger';
import { alive, killRecorded, recordedPids } from '../support/pids';
import { REPORT_ISOLATION, startRemoteBee } from '../support/remote-bee';
import type { Running } from '../support/scripts';

const events = (root: string, type: string) => readLedger(root).filter((e) => e.event_type === type);
const stop = async (bee: Running) => {
  if (bee.child.exitCode === null) bee.child.kill('SIGTERM');
  await bee.done;
};

test('a remote bee with no shared disk and a file bee share a bot: 200 tasks, each claimed once and answered once', async ({
  store,
}) => {
  test.skip(store === 'postgres', 'a file bee beside the remote one: on Postgres there is no hive folder to serve');
  test.setTimeout(180_000);
  await withServer(async (server) => {
    const remote = await startRemoteBee(server, { name: 'remote-bee', exec: REPORT_ISOLATION });
    // Both run a command per task, so neither is so much faster that the other never gets one.
    const local = await startBee(server.root, { name: 'file-bee', exec: `sh -c 'cat > /dev/null; echo file bee'` });
    try {
      const tasks = Array.from({ length: 200 }, (_, i) => ({ intent: 'code', title: `Task ${i}`, summary: 's' }));
      const { body } = await post(server, '/api/tasks/run-many', { tasks });
      const ids = (body.results as { task_id: string }[]).map((r) => r.task_id);
      expect(ids).toHaveLength(200);
      await expect
        .poll(() => events(server.root, 'task_completed').length, { timeout: 150_000, intervals: [500] })
        .toBe(200);

      const claimedBy = new Map<string, string[]>();
      for (const e of events(server.root, 'task_claimed')) {
        claimedBy.set(e.task_id!, [...(claimedBy.get(e.task_id!) ?? []), JSON.parse(e.data).bee as string]);
      }
      for (const id of ids) {
        expect(claimedBy.get(id), id).toHaveLength(1);
        expect(
          readLedger(server.root, id).filter((e) => e.event_type === 'task_completed'),
          id,
        ).toHaveLength(1);
      }
      const byRemote = ids.filter((id) => claimedBy.get(id)![0] === 'remote-bee');
      const byFile = ids.filter((id) => claimedBy.get(id)![0] === 'file-bee');
      expect(byRemote.length + byFile.length).toBe(200);
      expect(byRemote.length).toBeGreaterThan(0);
      expect(byFile.length).toBeGreaterThan(0);

      // What the remote bee's command saw of the server's hive: nothing.
      const responses = path.join(server.root, '.deia', 'hive', 'responses');
      for (const id of byRemote.slice(0, 20)) {
        const text = await readFile(path.join(responses, `BEE-001-RESPONSE-${id}.md`), 'utf8');
        expect(text.trim()).toBe('isolated from the server hive');
      }
      // And it kept nothing of the hive in its own directory: it went through the protocol alone.
      expect(await readdir(remote.cwd)).not.toContain('.deia');
      const bees = (await (await fetch(`${server.url}/api/hive/bots`)).json()) as {
        bees: { bee: string; via: string; live: boolean }[];
      };
      expect(bees.bees.find((b) => b.bee === 'remote-bee')).toMatchObject({ via: 'http', live: true });
    } finally {
      await Promise.all([stop(remote), stop(local)]);
    }
  });
});

test('a remote bee killed with SIGKILL loses its lease: the task waits again and another bee answers it', async ({
  servers,
}) => {
  test.setTimeout(120_000);
  const server = await servers.start({ env: { HIVE_LEASE_SECONDS: '3' } });
  const pids = path.join(server.root, '..', `pids-${path.basename(server.root)}`);
  const doomed = await startRemoteBee(server, {
    name: 'doomed',
    exec: `sh -c 'echo $$ >> ${pids}; exec sleep 600'`,
  });
  let rescuer: Running | null = null;
  try {
    const { body } = await dispatch(server, { intent: 'code', title: 'Survives its bee', summary: 's' });
    const taskId = body.task_id as string;
    await expect.poll(async () => (await status(server, taskId)).body.state, { timeout: 20_000 }).toBe('in_progress');
    doomed.child.kill('SIGKILL');
    const killedAt = Date.now();
    // The lease is 3 s here (60 s by default): it runs out, the claim goes, the task waits again.
    await expect.poll(async () => (await status(server, taskId)).body.state, { timeout: 15_000 }).toBe('waiting');
    const waitedMs = Date.now() - killedAt;
    expect((await taskEvents(server, taskId)).filter((e) => e.event_type === 'task_claim_expired')).toHaveLength(1);

    rescuer = await startRemoteBee(server, { name: 'rescuer' });
    await expect.poll(async () => (await status(server, taskId)).body.state, { timeout: 20_000 }).toBe('completed');
    const claims = (await taskEvents(server, taskId)).filter((e) => e.event_type === 'task_claimed');
    expect(claims.map((e) => [e.data.bee, e.data.attempt])).toEqual([
      ['doomed', 1],
      ['rescuer', 2],
    ]);
    test.info().annotations.push({ type: 'waiting again after SIGKILL', description: `${waitedMs} ms` });
  } finally {
    await killRecorded(pids);
    if (rescuer) await stop(rescuer);
    await doomed.done;
  }
});

test('a response sent with a dead attempt’s lease token gets 409 and changes nothing', async ({ store, servers }) => {
  const server = await servers.start({ env: { HIVE_LEASE_SECONDS: '2' } });
  const claim = (bee: string) =>
    post(server, `/api/bees/${bee}/claim`, { bots: ['BEE-001'], wait_seconds: 5 }).then((r) => r.body);
  const { body } = await dispatch(server, { intent: 'code', title: 'Fenced', summary: 's' });
  const taskId = body.task_id as string;
  const dead = await claim('slow-bee');
  // Its lease runs out (nobody renews it); the next claim is the next attempt.
  await expect.poll(async () => (await status(server, taskId)).body.state, { timeout: 10_000 }).toBe('waiting');
  const next = await claim('fast-bee');
  expect(next).toMatchObject({ task_id: taskId, attempt: 2 });
  const before = (await taskEvents(server, taskId)).length;

  const late = await post(server, `/api/tasks/${taskId}/response`, {
    lease_token: dead.lease_token,
    content: 'late',
  });
  expect(late.status).toBe(409);
  expect(late.body.error.message).toMatch(/not .*current one/);
  expect(await taskEvents(server, taskId)).toHaveLength(before);
  expect((await trpcQuery(server, 'tasks.detail', { task_id: taskId })).response).toBeNull();
  if (store === 'files') expect(await readdir(path.join(server.root, '.deia', 'hive', 'responses'))).toEqual([]);
  expect((await status(server, taskId)).body).toMatchObject({ state: 'claimed' });

  const answer = await post(server, `/api/tasks/${taskId}/response`, {
    lease_token: next.lease_token,
    content: 'on time',
  });
  expect(answer).toMatchObject({ status: 200, body: { attempt: 2, state: 'completed' } });
});

test('a cancel reaches a remote bee running `sleep 600`: the sleep is gone within a heartbeat interval', async ({
  server,
}) => {
  const pids = path.join(server.root, '..', `pids-cancel-${path.basename(server.root)}`);
  // A bot of its own: the worker's server holds other tests' tasks, waiting for BEE-001.
  const bot = `REMOTE-${path.basename(server.root)}`;
  const bee = await startRemoteBee(server, {
    bot,
    name: 'remote-sleeper',
    exec: `sh -c 'echo $$ >> ${pids}; sleep 600 & echo $! >> ${pids}; wait'`,
  });
  try {
    const { body } = await dispatch(server, { intent: 'code', title: 'Runaway, far away', summary: 's', bot_id: bot });
    const taskId = body.task_id as string;
    await expect.poll(async () => (await status(server, taskId)).body.state, { timeout: 20_000 }).toBe('in_progress');
    await expect.poll(async () => (await recordedPids(pids)).length).toBe(2);
    const commandPids = await recordedPids(pids);
    expect(commandPids.every(alive)).toBe(true);

    const cancelledAt = Date.now();
    expect((await post(server, `/api/tasks/${taskId}/cancel`, { reason: 'runaway' })).body.state).toBe('cancelling');
    // The bee hears of it in its next heartbeat reply (every 5 s), plus the time one request takes.
    await expect.poll(() => commandPids.filter(alive), { timeout: 7_000, intervals: [100] }).toEqual([]);
    test.info().annotations.push({ type: 'sleep gone after cancel', description: `${Date.now() - cancelledAt} ms` });
    await expect.poll(async () => (await status(server, taskId)).body.state).toBe('cancelled');
    expect(
      (await taskEvents(server, taskId)).filter((e) => ['task_cancelled', 'task_completed'].includes(e.event_type)),
    ).toHaveLength(1);
  } finally {
    await killRecorded(pids);
    await stop(bee);
  }
});
