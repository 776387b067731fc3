/**
 * The completion latency histogram in Postgres mode counts the completions a server saw
 * committed while it ran, from any server; not the ones its mirror reads at start-up.
 */
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Claimed } from '../../contracts/bee-protocol';
import { pgHives, type PgHives } from '../../testing/pg-hives';
import type { PgHive } from './pg-hive';

let hives: PgHives;
const mirrorDir = path.join(os.tmpdir(), `hive-mirror-metrics-${process.pid}-${Date.now()}`);
afterEach(async () => {
  await hives.cleanup();
  await rm(mirrorDir, { recursive: true, force: true });
});

/** Dispatches the task on `dispatcher` and answers it through `worker`. */
async function complete(dispatcher: PgHive, worker: PgHive, task_id: string): Promise<void> {
  await dispatcher.service.run(
    {
      task_id,
      bot_id: 'BOT-A',
      intent: 'review',
      title: task_id,
      summary: '',
      kb_entities: [],
      wait_for_response: false,
      timeout_seconds: 30,
    },
    {},
  );
  const claimed = (await worker.service.bees.claim('bee-1', { bots: ['BOT-A'], wait_seconds: 0 }, null)) as Claimed;
  await worker.service.bees.respond(task_id, { lease_token: claimed.lease_token, content: 'done' }, null);
}

async function scraped(hive: PgHive, metric: string): Promise<number> {
  await hive.tail.catchUp();
  const line = (await hive.service.metrics()).split('\n').find((l) => l.startsWith(`${metric} `));
  return Number(line?.split(' ')[1]);
}
const latencies = (hive: PgHive) => scraped(hive, 'hive_completion_latency_seconds_count');
const completedTotal = (hive: PgHive) => scraped(hive, 'hive_tasks_completed_total');

describe('completion latency in Postgres mode', () => {
  it('a server started on a hive with completions does not count them; one completed afterwards, it does', async () => {
    hives = await pgHives('metrics');
    const a = await hives.server();
    for (const id of ['TASK-1', 'TASK-2', 'TASK-3']) await complete(a, a, id);
    expect(await latencies(a)).toBe(3);

    const b = await hives.server(); // a fresh mirror: it reads the whole ledger at start-up
    expect(await completedTotal(b)).toBe(3); // the ledger's count, whoever reads it
    expect(await latencies(b)).toBe(0);

    await complete(a, b, 'TASK-LIVE');
    expect(await latencies(b)).toBe(1);
    expect(await latencies(a)).toBe(4); // committed by b, seen by a as it happened
  });

  it('a restarted server does not count what was completed while it was down', async () => {
    hives = await pgHives('metrics');
    const first = await hives.server({ mirrorDir });
    await complete(first, first, 'TASK-BEFORE');
    await first.close();
    const other = await hives.server();
    await complete(other, other, 'TASK-WHILE-DOWN');

    const again = await hives.server({ mirrorDir });
    expect(again.tail.read).toBeGreaterThan(0); // its mirror caught up on TASK-WHILE-DOWN
    expect(await completedTotal(again)).toBe(2);
    expect(await latencies(again)).toBe(0);

    await complete(again, other, 'TASK-AFTER');
    expect(await latencies(again)).toBe(1);
  });
});
