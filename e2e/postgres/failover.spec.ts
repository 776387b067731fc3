/**
 * Two servers on one PostgreSQL, two reference bees given both URLs, a dispatch storm, and
 * one server killed with SIGKILL in the middle of it (DESIGN §9). Whatever was acknowledged
 * is done exactly once; a live client that moves to the surviving server resumes from its
 * last id with nothing missed and nothing twice.
 */
import { test, expect } from '@playwright/test';
import type { LedgerEvent } from '../../server/contracts/ledger';
import { createHiveClient } from '../../scripts/cli/client';
import { createTestDatabase } from '../../scripts/lib/postgres';
import { startServer, type ServerProcess } from '../../scripts/lib/server-process';
import { ledgerEvents } from '../support/hive-api';
import { startScript, type Running } from '../support/scripts';

const TASKS = 160;
const KILL_AFTER = 60;
const CONCURRENCY = 8;
const LEASE_SECONDS = 3;

interface Dispatch {
  task_id: string;
  acknowledged: boolean;
}

async function send(server: ServerProcess, taskId: string): Promise<number | 'unreachable'> {
  try {
    const res = await fetch(`${server.url}/api/tasks/run`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        task_id: taskId,
        bot_id: 'BOT-A',
        intent: 'review',
        title: `Storm ${taskId}`,
        summary: '',
      }),
    });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 'unreachable';
  }
}

/** A live client as a dashboard is one: it follows one server and, when that one dies, resumes on the next from its last id. */
function followLive(urls: string[]) {
  const events: LedgerEvent[] = [];
  let at = 0;
  let lastId: string | undefined = '0';
  let subscription: { unsubscribe(): void } | null = null;
  const subscribe = () => {
    const client = createHiveClient(urls[at]);
    subscription = client.hive.live.subscribe(lastId !== undefined ? { lastEventId: lastId } : undefined, {
      onData: ({ id, data }) => {
        lastId = id;
        events.push(data);
      },
      onError: () => undefined,
      onConnectionStateChange: (state) => {
        // The server went away: move to the next one, resuming after the last event seen.
        if (state.state === 'connecting' && state.error) {
          subscription?.unsubscribe();
          at = (at + 1) % urls.length;
          subscribe();
        }
      },
    });
  };
  subscribe();
  return {
    events,
    stop: () => subscription?.unsubscribe(),
    get server() {
      return urls[at]!;
    },
  };
}

test('SIGKILL of one of two servers mid-storm: nothing acknowledged is lost, each task completes once', async ({}, testInfo) => {
  test.setTimeout(300_000);
  const db = await createTestDatabase('failover');
  const env = { HIVE_DATABASE_URL: db.url, HIVE_LEASE_SECONDS: String(LEASE_SECONDS) };
  const [a, b] = [await startServer({ env }), await startServer({ env })];
  const bees: Running[] = [];
  try {
    for (const name of ['bee-one', 'bee-two']) {
      const bee = startScript('bee.ts', [
        '--url',
        `${a.url},${b.url}`,
        '--bot',
        'BOT-A',
        '--name',
        name,
        '--exec',
        "sh -c 'cat > /dev/null; sleep 0.05; echo done'",
      ]);
      bees.push(bee);
      await bee.waitFor(/working for .* over HTTP/, 20_000);
    }
    const live = followLive([a.url, b.url]);

    // The storm: round-robin over both servers; once A is dead, what it did not acknowledge goes to B.
    const dispatches: Dispatch[] = Array.from({ length: TASKS }, (_, i) => ({
      task_id: `TASK-STORM-${String(i).padStart(4, '0')}`,
      acknowledged: false,
    }));
    let acknowledged = 0;
    let next = 0;
    const kill: { done: Promise<void> | null } = { done: null };
    const worker = async () => {
      for (let i = next++; i < TASKS; i = next++) {
        const d = dispatches[i]!;
        const first = i % 2 === 0 && !kill.done ? a : b;
        let status = await send(first, d.task_id);
        // Unanswered by the dead server: sent again to the live one. 409 means A committed it before dying.
        if (status === 'unreachable' || status === 503) status = await send(b, d.task_id);
        d.acknowledged = status === 200 || status === 409;
        expect([200, 409], `${d.task_id} on the surviving server`).toContain(status);
        if (status === 200 && ++acknowledged === KILL_AFTER) kill.done = a.stop('SIGKILL');
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    await kill.done;
    expect(a.child.signalCode).toBe('SIGKILL');

    // Every acknowledged task completes: the leases of claims lost with A run out and their tasks are claimed again.
    const ids = dispatches.filter((d) => d.acknowledged).map((d) => d.task_id);
    expect(ids).toHaveLength(TASKS);
    await everyTaskAnswered(ids, live.events);

    // The ledger, read whole from the survivor: one completion per task, and claims never overlap.
    const ledger = await ledgerEvents(b);
    const byTask = new Map<string, LedgerEvent[]>();
    for (const e of ledger) if (e.task_id) byTask.set(e.task_id, [...(byTask.get(e.task_id) ?? []), e]);
    for (const id of ids) {
      const events = byTask.get(id) ?? [];
      expect(
        events.filter((e) => e.event_type === 'task_dispatched'),
        `${id} dispatched`,
      ).toHaveLength(1);
      expect(
        events.filter((e) => e.event_type === 'task_completed'),
        `${id} completed`,
      ).toHaveLength(1);
      let holding = false;
      for (const e of events) {
        if (e.event_type === 'task_claimed') {
          expect(holding, `${id} claimed while already claimed`).toBe(false);
          holding = true;
        }
        if (e.event_type === 'task_claim_expired' || e.event_type === 'task_claim_released') holding = false;
      }
    }
    // How much of the failover path this run took (the kill lands at a different moment each time).
    const count = (type: string) => ledger.filter((e) => e.event_type === type).length;
    testInfo.annotations.push({
      type: 'failover',
      description: `${count('task_claim_expired')} claims lost with A expired and were claimed again; ${count('task_claimed')} claims in all`,
    });

    // The live client moved to B and has every event exactly once, in order.
    await expect.poll(() => live.events.at(-1)?.id ?? 0, { timeout: 10_000 }).toBe(ledger.at(-1)!.id);
    live.stop();
    expect(live.server).toBe(b.url);
    expect(live.events.map((e) => e.id)).toEqual(ledger.map((e) => e.id));
  } finally {
    for (const bee of bees) {
      if (bee.child.exitCode === null) bee.child.kill('SIGTERM');
      await bee.done;
    }
    const ledger = await ledgerEvents(b).catch((err: Error) => [err.message]);
    await testInfo.attach('ledger', { body: ledger.map((e) => JSON.stringify(e)).join('\n') });
    await Promise.all([a.stop('SIGKILL'), b.stop()]);
    // What each process said, to read a failure by.
    for (const [name, text] of [
      ['server-a', a.output()],
      ['server-b', b.output()],
      ...bees.map((bee, i) => [`bee-${i + 1}`, bee.stdout() + bee.stderr()]),
    ])
      await testInfo.attach(name!, { body: text!, contentType: 'text/plain' });
    await db.drop();
  }
});

/**
 * Waits while the bees work through the storm, however slowly a loaded machine lets them:
 * it fails only when no task at all is answered for several leases, which is what a task
 * stuck past its lease (or bees that stopped claiming) looks like.
 */
async function everyTaskAnswered(ids: string[], events: readonly LedgerEvent[]): Promise<void> {
  const stallMs = 5 * LEASE_SECONDS * 1000;
  const unanswered = () => {
    const done = new Set(events.filter((e) => e.event_type === 'task_completed').map((e) => e.task_id));
    return ids.filter((id) => !done.has(id));
  };
  let left = unanswered();
  let progressAt = Date.now();
  while (left.length > 0 && Date.now() - progressAt < stallMs) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const now = unanswered();
    if (now.length < left.length) progressAt = Date.now();
    left = now;
  }
  expect(left, `unanswered (as the live client sees it) after ${stallMs / 1000} s without any task answered`).toEqual(
    [],
  );
}
