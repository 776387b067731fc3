/**
 * The live stream across servers on a real PostgreSQL: ids in commit order (and what goes
 * wrong without the lock that keeps them so), the notification connection killed, and a
 * long idle transaction elsewhere in the database.
 */
import type pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { LedgerEvent, LiveEvent } from '../../contracts/ledger';
import { pgHives, type PgHives } from '../../testing/pg-hives';
import { runInput } from '../../testing/tasks';
import { appendEvents, eventsAfter } from './pg-events';

let hives: PgHives;
afterEach(() => hives.cleanup());

const task = (task_id: string) => runInput({ task_id, bot_id: 'BOT-A' });

const marker = (name: string) => ({
  event: { event_type: 'task_timeout' as const, task_id: name, actor: 'test', data: {} },
  once: false,
});

/**
 * Two appends racing: the first takes its id and has not committed when the second takes
 * the next id and commits. A reader in between (as a live stream does) reads "after" what
 * it has seen. Returns what the reader ends up with.
 */
async function racingAppends(db: PgHives, unordered: boolean): Promise<string[]> {
  const [first, second, reader] = [await db.client(), await db.client(), await db.client()];
  await first.query('BEGIN');
  await appendEvents(first as unknown as pg.PoolClient, [marker('FIRST')], { unordered });
  await second.query('BEGIN');
  const secondAppend = appendEvents(second as unknown as pg.PoolClient, [marker('SECOND')], { unordered }).then(() =>
    second.query('COMMIT'),
  );
  // Without the lock the second commits now, ahead of the first.
  await Promise.race([secondAppend, new Promise((r) => setTimeout(r, 300))]);
  const seen: LedgerEvent[] = await eventsAfter(reader, 0, 100);
  const last = seen.at(-1)?.id ?? 0;
  await first.query('COMMIT');
  await secondAppend;
  seen.push(...(await eventsAfter(reader, last, 100)));
  return seen.map((e) => e.task_id!);
}

async function collect(stream: AsyncGenerator<LiveEvent>, count: number, timeoutMs = 10_000): Promise<LiveEvent[]> {
  const got: LiveEvent[] = [];
  const deadline = setTimeout(() => void stream.return(undefined), timeoutMs);
  for await (const event of stream) {
    got.push(event);
    if (got.length === count) break;
  }
  clearTimeout(deadline);
  return got;
}

function dispatchedIds(events: readonly LiveEvent[]): string[] {
  return events.filter((e) => e.event_type === 'task_dispatched').map((e) => e.task_id!);
}

describe('live stream ids in commit order', () => {
  it('a reader resuming after the last id it saw misses nothing while appends race', async () => {
    hives = await pgHives('order');
    await hives.server(); // builds the schema
    expect(await racingAppends(hives, false)).toEqual(['FIRST', 'SECOND']);
  });

  it('control: without the append lock, the same race loses the first event for good', async () => {
    hives = await pgHives('order');
    await hives.server();
    expect(await racingAppends(hives, true)).toEqual(['SECOND']);
  });
});

describe('live across servers', () => {
  it('a dispatch on one server reaches a live client of another; ids arrive in order, once each', async () => {
    hives = await pgHives('live');
    const [a, b] = [await hives.server(), await hives.server()];
    const stream = b.service.live(0);
    const ids = ['TASK-L1', 'TASK-L2', 'TASK-L3'];
    const collecting = collect(stream, ids.length * 3);
    for (const id of ids) await a.service.run(task(id), {});
    const got = await collecting;
    expect(dispatchedIds(got)).toEqual(ids);
    expect(got.map((e) => e.id)).toEqual([...got.map((e) => e.id)].sort((x, y) => x - y));
    expect(new Set(got.map((e) => e.id)).size).toBe(got.length);
  });

  it('killing the listening connection with pg_terminate_backend loses no event, and the server listens again', async () => {
    hives = await pgHives('listen');
    const [a, b] = [await hives.server({ pollMs: 60_000 }), await hives.server()];
    const admin = await hives.client();
    const stream = a.service.live(0);
    const ids = Array.from({ length: 20 }, (_, i) => `TASK-K${i}`);
    const collecting = collect(stream, ids.length * 3);
    await a.service.run(task(ids[0]!), {});
    const killed = await admin.query<{ pid: number }>(
      "SELECT pg_terminate_backend(pid), pid FROM pg_stat_activity WHERE application_name = 'hive-control listener' AND datname = current_database()",
    );
    expect(killed.rowCount).toBe(2);
    // Dispatched elsewhere while A has nobody listening: only A's reconnect and its read after it can bring them.
    for (const id of ids.slice(1)) await b.service.run(task(id), {});
    const got = await collecting;
    expect(dispatchedIds(got)).toEqual(ids);
    await expect.poll(() => a.tail.listens).toBe(2);
  });

  it('a long idle transaction elsewhere in the database does not stall the live stream', async () => {
    hives = await pgHives('idle');
    const [a, b] = [await hives.server(), await hives.server()];
    const elsewhere = await hives.client();
    await elsewhere.query('BEGIN');
    await elsewhere.query('SELECT count(*) FROM events'); // holds a snapshot, and now sits idle
    await elsewhere.query('SELECT txid_current()'); // and an xid
    const stream = b.service.live(0);
    const collecting = collect(stream, 3, 3000);
    const started = Date.now();
    await a.service.run(task('TASK-IDLE'), {});
    expect(dispatchedIds(await collecting)).toEqual(['TASK-IDLE']);
    expect(Date.now() - started).toBeLessThan(3000);
    await elsewhere.query('ROLLBACK');
  });

  it('a server that reads after another wrote sees the write (list, status, timeline)', async () => {
    hives = await pgHives('read');
    const [a, b] = [await hives.server({ pollMs: 60_000 }), await hives.server({ pollMs: 60_000 })];
    await a.service.run(task('TASK-RYW'), {});
    expect(await b.service.status('TASK-RYW')).toMatchObject({
      state: 'waiting',
      task_path: 'postgres:tasks/TASK-RYW',
    });
    expect((await b.service.list({ limit: 10 })).items.map((r) => r.task_id)).toEqual(['TASK-RYW']);
    expect((await b.service.timeline('TASK-RYW')).events).toHaveLength(3);
  });
});
