/** 1,000 dispatches, 100 waiters and 20 live streams all at once: nothing lost, ledger counts exact, every stream gapless, memory bounded. */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { startServer } from '../../scripts/lib/server-process';
import { expect, test } from '../support/fixtures';
import { readLedger } from '../support/ledger';
import {
  countBy,
  getJson,
  openLiveStream,
  removeIfPassed,
  rssKiB,
  sampleProcess,
  scanHive,
  sleep,
  streamProblems,
  tryDispatch,
  writeResponse,
  type Reply,
} from './stress-kit';

const DISPATCHES = 1000;
const WAITERS = 100;
const STREAMS = 20;
const RSS_LIMIT_KIB = 1024 * 1024;
const WAIT_BOT = 'BEE-WAIT';

/**
 * A bee for the waiters' bot: once all `expected` waits are held by the server at the same
 * time, answers each of them (tmp + rename). Bounded by `deadline`.
 */
async function answerWaitersOnceAllHeld(url: string, root: string, expected: number, deadline: number) {
  let held = 0;
  while (held < expected && Date.now() < deadline) {
    held = Number((await getJson(`${url}/api/health`)).body.waiting ?? 0);
    if (held < expected) await sleep(25);
  }
  // `waiting` counts a wait from the moment its place is reserved, before its task file
  // exists: answer only once every waiter's task is on disk.
  const inbox = path.join(root, '.deia', 'hive', 'tasks', WAIT_BOT);
  const waitingIds = async () =>
    (await readdir(inbox).catch(() => [] as string[]))
      .map((n) => /-(WAIT-\d+)\.json$/.exec(n)?.[1])
      .filter((id): id is string => !!id);
  let ids = await waitingIds();
  while (ids.length < expected && Date.now() < deadline) {
    await sleep(25);
    ids = await waitingIds();
  }
  const answeredAt = Date.now();
  await Promise.all(ids.map((id) => writeResponse(root, `RESPONSE-${id}.md`, `answer for ${id}`)));
  return { held, answered: new Set(ids), answeredAt };
}

/** Milliseconds at the given quantile (0..1). */
const quantile = (sorted: readonly number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

test('1,000 dispatches, 100 waiters and 20 live streams at once lose nothing and stay bounded', async () => {
  test.setTimeout(150_000);
  const server = await startServer();
  const root = server.root;
  const baselineKiB = rssKiB(server.child.pid!) ?? 0;
  const sampler = sampleProcess(server.child.pid!, 100);
  const streams = Array.from({ length: STREAMS }, () => openLiveStream(server.url, '0'));
  let maxWaiting = 0;
  let sampling = true;
  let passed = false;
  const healthSampler = (async () => {
    for (let i = 0; sampling && i < 2_000; i++) {
      maxWaiting = Math.max(maxWaiting, Number((await getJson(`${server.url}/api/health`)).body.waiting ?? 0));
      await sleep(100);
    }
  })();
  try {
    await Promise.all(streams.map((s) => s.connected));
    const started = Date.now();
    const timed = (reply: Promise<Reply>) => reply.then((r) => ({ ...r, ms: Date.now() - started }));
    const answering = answerWaitersOnceAllHeld(server.url, root, WAITERS, started + 90_000);
    const waits = Array.from({ length: WAITERS }, (_, i) =>
      tryDispatch(
        server.url,
        {
          intent: 'code',
          title: `waiter ${i}`,
          summary: 'held until its response lands',
          task_id: `WAIT-${String(i).padStart(3, '0')}`,
          bot_id: WAIT_BOT,
          wait_for_response: true,
          timeout_seconds: 120,
        },
        120_000,
      ),
    );
    const dispatches = Array.from({ length: DISPATCHES }, (_, i) =>
      timed(
        tryDispatch(
          server.url,
          { intent: i % 2 ? 'code' : 'design', title: `load ${i}`, summary: `task ${i} of a burst` },
          120_000,
        ),
      ),
    );
    const dispatched = await Promise.all(dispatches);
    const dispatchMs = Date.now() - started;
    const waited = await Promise.all(waits);
    const allMs = Date.now() - started;
    const { held, answered, answeredAt } = await answering;

    // No request lost: every dispatch answered 200, every task file where its reply says.
    expect(countBy(dispatched, (r) => r.status)).toEqual({ 200: DISPATCHES });
    expect(new Set(dispatched.map((r) => r.body.task_id)).size).toBe(DISPATCHES);
    const scan = await scanHive(root);
    expect(scan.broken).toEqual([]);
    const missingFiles = dispatched.filter(
      (r) => !scan.byId.get(r.body.task_id as string)?.some((f) => f.relPath === r.body.task_path),
    );
    expect(missingFiles.map((r) => r.body.task_id)).toEqual([]);

    // All waits were held at once, then each was answered with its own response.
    expect(held).toBe(WAITERS);
    expect(answered.size).toBe(WAITERS);
    for (const [i, reply] of waited.entries()) {
      const id = `WAIT-${String(i).padStart(3, '0')}`;
      expect(reply, id).toMatchObject({
        status: 200,
        body: { task_id: id, response: { status: 'completed', content: `answer for ${id}` } },
      });
    }

    // Ledger counts exact (archiving follows completion asynchronously).
    await expect.poll(() => readLedger(root).filter((e) => e.event_type === 'task_archived').length).toBe(WAITERS);
    const ledger = readLedger(root);
    const total = DISPATCHES + WAITERS;
    expect(countBy(ledger, (e) => e.event_type)).toEqual({
      task_execution_started: total,
      task_routed: total,
      task_dispatched: total,
      task_completed: WAITERS,
      task_archived: WAITERS,
    });
    const dispatchedIds = new Set(ledger.filter((e) => e.event_type === 'task_dispatched').map((e) => e.task_id));
    for (const reply of [...dispatched, ...waited]) expect(dispatchedIds.has(reply.body.task_id as string)).toBe(true);

    // Every stream saw every event id, in order, once.
    const ids = ledger.map((e) => e.id);
    const finalId = ids[ids.length - 1]!;
    await expect
      .poll(() => Math.min(...streams.map((s) => s.ids[s.ids.length - 1] ?? 0)), { timeout: 30_000 })
      .toBe(finalId);
    for (const [i, stream] of streams.entries()) expect(streamProblems(stream.ids, ids), `stream ${i}`).toEqual([]);

    const peak = sampler.stop();
    const latencies = dispatched.map((r) => r.ms).sort((a, b) => a - b);
    const figures =
      `${DISPATCHES} dispatches + ${WAITERS} waiters sent at once, ${STREAMS} live streams from id 0; ` +
      `dispatch latency p50 ${quantile(latencies, 0.5)} / p95 ${quantile(latencies, 0.95)} / max ${quantile(latencies, 1)} ms, ` +
      `all dispatches done at ${dispatchMs} ms; ${held} waits held at once, answered at ${answeredAt - started} ms, ` +
      `all waiters back at ${allMs} ms; ledger ${ledger.length} events (last id ${finalId}), each stream got ${ids.length} ids; ` +
      `waiting peak ${maxWaiting}; server RSS ${(baselineKiB / 1024).toFixed(0)} MiB idle, peak ${(peak.rssKiB / 1024).toFixed(0)} MiB, peak open fds ${peak.fds}`;
    test.info().annotations.push({ type: 'figures', description: figures });
    console.log(`[load] ${figures}`);
    expect(peak.rssKiB).toBeLessThan(RSS_LIMIT_KIB);
    passed = true;
  } finally {
    sampling = false;
    sampler.stop();
    for (const stream of streams) stream.close();
    await healthSampler;
    await server.stop();
    await removeIfPassed(root, passed);
  }
});
