/**
 * The load test on PostgreSQL: 1,000 dispatches and 100 waiters sent at once, spread over two
 * servers on one database; the waiters answered by a bee over HTTP through the other server
 * than the one holding each wait; 20 live streams, half on each server. Nothing lost, ledger
 * counts exact, every stream gapless, memory bounded on both servers.
 */
import type { Claimed } from '../../server/contracts/bee-protocol';
import { createTestDatabase } from '../../scripts/lib/postgres';
import { startServer, type ServerProcess } from '../../scripts/lib/server-process';
import { health, ledgerEvents } from '../support/hive-api';
import { expect, test } from '../support/fixtures';
import { countBy, openLiveStream, sampleProcess, sleep, streamProblems, tryDispatch } from './stress-kit';

const DISPATCHES = 1000;
const WAITERS = 100;
const STREAMS = 20;
const RSS_LIMIT_KIB = 1024 * 1024;
const WAIT_BOT = 'BEE-WAIT';

const waitId = (i: number) => `WAIT-${String(i).padStart(3, '0')}`;

async function post(server: ServerProcess, apiPath: string, body: unknown) {
  const res = await fetch(`${server.url}${apiPath}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
}

/**
 * A bee for the waiters' bot, over HTTP: once every wait is held (by either server), it claims
 * each waiter's task and answers it on the server that does not hold that wait, so every
 * answer has to cross from one server to the other to end its wait.
 */
async function answerWaitersOnceAllHeld(servers: ServerProcess[], holderOf: (id: string) => number, deadline: number) {
  let held = 0;
  while (held < WAITERS && Date.now() < deadline) {
    held = (await Promise.all(servers.map((s) => health(s)))).reduce((sum, h) => sum + h.waiting, 0);
    if (held < WAITERS) await sleep(25);
  }
  const answered = new Set<string>();
  for (let turn = 0; answered.size < WAITERS && Date.now() < deadline; turn++) {
    const claim = await post(servers[turn % 2]!, '/api/bees/answerer/claim', { bots: [WAIT_BOT], wait_seconds: 1 });
    if (claim.status !== 200) continue;
    const { task_id, lease_token } = claim.body as Claimed;
    const other = servers[1 - holderOf(task_id)]!;
    const reply = await post(other, `/api/tasks/${task_id}/response`, {
      lease_token,
      content: `answer for ${task_id}`,
    });
    expect(reply.status, `answer for ${task_id}`).toBe(200);
    answered.add(task_id);
  }
  return { held, answered };
}

test('on PostgreSQL, 1,000 dispatches, 100 waiters and 20 live streams over two servers lose nothing', async () => {
  test.setTimeout(240_000);
  const db = await createTestDatabase('load');
  const env = { HIVE_DATABASE_URL: db.url };
  const servers = [await startServer({ env }), await startServer({ env })];
  const samplers = servers.map((s) => sampleProcess(s.child.pid!, 100));
  const streams = Array.from({ length: STREAMS }, (_, i) => openLiveStream(servers[i % 2]!.url, '0'));
  try {
    await Promise.all(streams.map((s) => s.connected));
    const holderOf = (id: string) => Number(id.slice('WAIT-'.length)) % 2;
    const answering = answerWaitersOnceAllHeld(servers, holderOf, Date.now() + 150_000);
    const waits = Array.from({ length: WAITERS }, (_, i) =>
      tryDispatch(
        servers[holderOf(waitId(i))]!.url,
        {
          intent: 'code',
          title: `waiter ${i}`,
          summary: 'held until its answer lands on the other server',
          task_id: waitId(i),
          bot_id: WAIT_BOT,
          wait_for_response: true,
          timeout_seconds: 180,
        },
        180_000,
      ),
    );
    const dispatches = Array.from({ length: DISPATCHES }, (_, i) =>
      tryDispatch(
        servers[i % 2]!.url,
        { intent: i % 2 ? 'code' : 'design', title: `load ${i}`, summary: `task ${i} of a burst` },
        180_000,
      ),
    );
    const dispatched = await Promise.all(dispatches);
    const waited = await Promise.all(waits);
    const { held, answered } = await answering;

    // No request lost: every dispatch answered 200 with an id of its own.
    const refusals = [...new Set(dispatched.filter((r) => r.status !== 200).map((r) => JSON.stringify(r.body)))];
    expect(
      countBy(dispatched, (r) => r.status),
      refusals.slice(0, 5).join('\n'),
    ).toEqual({ 200: DISPATCHES });
    expect(new Set(dispatched.map((r) => r.body.task_id)).size).toBe(DISPATCHES);

    // All waits were held at once, then each ended with its own answer, given on the other server.
    expect(held).toBe(WAITERS);
    expect(answered.size).toBe(WAITERS);
    for (const [i, reply] of waited.entries()) {
      const id = waitId(i);
      expect(reply, id).toMatchObject({
        status: 200,
        body: { task_id: id, response: { status: 'completed', content: `answer for ${id}` } },
      });
    }

    // Ledger counts exact, as either server reads it.
    const ledger = await ledgerEvents(servers[0]!);
    const total = DISPATCHES + WAITERS;
    const taskEvents = ledger.filter((e) => e.task_id !== null);
    expect(countBy(taskEvents, (e) => e.event_type)).toEqual({
      task_execution_started: total,
      task_routed: total,
      task_dispatched: total,
      task_claimed: WAITERS,
      task_completed: WAITERS,
    });
    expect((await ledgerEvents(servers[1]!)).map((e) => e.id)).toEqual(ledger.map((e) => e.id));
    const dispatchedIds = new Set(ledger.filter((e) => e.event_type === 'task_dispatched').map((e) => e.task_id));
    for (const reply of [...dispatched, ...waited]) expect(dispatchedIds.has(reply.body.task_id as string)).toBe(true);

    // Every stream, on either server, saw every event id, in order, once.
    const ids = ledger.map((e) => e.id);
    await expect.poll(() => Math.min(...streams.map((s) => s.ids.at(-1) ?? 0)), { timeout: 30_000 }).toBe(ids.at(-1));
    for (const [i, stream] of streams.entries()) expect(streamProblems(stream.ids, ids), `stream ${i}`).toEqual([]);

    for (const [i, sampler] of samplers.entries()) {
      const peak = sampler.stop();
      test.info().annotations.push({
        type: `server ${i + 1}`,
        description: `peak RSS ${(peak.rssKiB / 1024).toFixed(0)} MiB, peak open fds ${peak.fds}`,
      });
      expect(peak.rssKiB).toBeLessThan(RSS_LIMIT_KIB);
    }
  } finally {
    for (const sampler of samplers) sampler.stop();
    for (const stream of streams) stream.close();
    await Promise.all(servers.map((s) => s.stop()));
    for (const [i, server] of servers.entries())
      await test.info().attach(`server ${i + 1}`, { body: server.output(), contentType: 'text/plain' });
    await db.drop();
  }
});
