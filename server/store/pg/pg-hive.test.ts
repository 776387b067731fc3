/**
 * The Postgres store on a real PostgreSQL (a database of its own per test, never a
 * rolled-back transaction): several servers on one database, as a team runs them.
 */
import { readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Claimed } from '../../contracts/bee-protocol';
import { pgHives, type PgHives } from '../../testing/pg-hives';

let hives: PgHives;
afterEach(() => hives.cleanup());

async function database(): Promise<PgHives> {
  hives = await pgHives();
  return hives;
}

const task = (task_id?: string) => ({
  ...(task_id ? { task_id } : {}),
  bot_id: 'BOT-A',
  intent: 'review',
  title: 'Review the diff',
  summary: 'Look at it',
  kb_entities: [],
  wait_for_response: false,
  timeout_seconds: 30,
});

const http = null; // operator scope: every bot

describe('Postgres store: servers sharing one database', () => {
  it('three servers starting at once on an empty database build the schema once', async () => {
    const db = await database();
    await Promise.all([db.server(), db.server(), db.server()]);
    const c = await db.client();
    const { rows } = await c.query<{ version: number }>('SELECT version FROM hive_migrations ORDER BY version');
    expect(rows.map((r) => r.version)).toEqual([1]);
  });

  it('a task dispatched on one server is claimed on another, and its answer wakes a wait on the first', async () => {
    const db = await database();
    const [a, b] = [await db.server(), await db.server()];
    const waiting = a.service.run({ ...task('TASK-ACROSS'), wait_for_response: true, timeout_seconds: 10 }, {});
    const claimed = (await b.service.bees.claim('bee-1', { bots: ['BOT-A'], wait_seconds: 5 }, http)) as Claimed;
    expect(claimed.task_id).toBe('TASK-ACROSS');
    expect(claimed.attempt).toBe(1);
    await b.service.bees.respond('TASK-ACROSS', { lease_token: claimed.lease_token, content: '# Done' }, http);
    const result = await waiting;
    expect(result.response).toMatchObject({ status: 'completed', content: '# Done' });
    expect(await a.service.status('TASK-ACROSS')).toMatchObject({ state: 'completed' });
    const types = (await a.service.timeline('TASK-ACROSS')).events.map((e) => e.event_type);
    expect(types).toEqual([
      'task_execution_started',
      'task_routed',
      'task_dispatched',
      'task_claimed',
      'task_completed',
    ]);
  });

  it('the same task_id sent to two servers at once is dispatched once; the other gets CONFLICT', async () => {
    const db = await database();
    const [a, b] = [await db.server(), await db.server()];
    const outcomes = await Promise.allSettled([
      a.service.run(task('TASK-TWICE'), {}),
      b.service.run(task('TASK-TWICE'), {}),
    ]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    const rejected = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toMatchObject({ code: 'CONFLICT' });
    expect(
      (await a.service.timeline('TASK-TWICE')).events.filter((e) => e.event_type === 'task_dispatched'),
    ).toHaveLength(1);
  });

  it('the ledger refuses UPDATE, DELETE and TRUNCATE', async () => {
    const db = await database();
    const a = await db.server();
    await a.service.run(task('TASK-LEDGER'), {});
    const c = await db.client();
    await expect(c.query("UPDATE events SET actor = 'x'")).rejects.toThrow(/append-only/);
    await expect(c.query('DELETE FROM events')).rejects.toThrow(/append-only/);
    await expect(c.query('TRUNCATE events')).rejects.toThrow(/append-only/);
  });

  it('a lease that runs out is released once, with two servers reaping at once; the next claim is attempt 2', async () => {
    const db = await database();
    const [a, b] = [await db.server({ leaseMs: 300 }), await db.server({ leaseMs: 300 })];
    await a.service.run(task('TASK-LEASE'), {});
    const first = (await a.service.bees.claim('doomed', { bots: ['BOT-A'], wait_seconds: 0 }, http)) as Claimed;
    await new Promise((r) => setTimeout(r, 400));
    await Promise.all([a.bees.reap(), b.bees.reap(), a.bees.reap(), b.bees.reap()]);
    await expect(
      b.service.bees.respond('TASK-LEASE', { lease_token: first.lease_token, content: 'late' }, http),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    const second = (await b.service.bees.claim('rescuer', { bots: ['BOT-A'], wait_seconds: 0 }, http)) as Claimed;
    expect(second.attempt).toBe(2);
    await b.tail.catchUp();
    await a.tail.catchUp();
    const events = (await a.service.timeline('TASK-LEASE')).events;
    expect(events.filter((e) => e.event_type === 'task_claim_expired')).toHaveLength(1);
    expect(events.filter((e) => e.event_type === 'task_claimed').map((e) => [e.data.bee, e.data.attempt])).toEqual([
      ['doomed', 1],
      ['rescuer', 2],
    ]);
  });
});

describe('bees over HTTP on any server', () => {
  it('a new bee heard by two servers at once is recorded online once', async () => {
    const db = await database();
    const [a, b] = [await db.server(), await db.server()];
    // Its first heartbeat and first claim leave together, as a starting bee sends them, to both servers.
    const beat = { bots: ['BOT-A'], current_task: null, host: 'box', pid: 7 };
    await Promise.all([
      a.service.bees.heartbeat('newcomer', beat, http),
      b.service.bees.heartbeat('newcomer', beat, http),
      a.service.bees.claim('newcomer', { bots: ['BOT-A'], wait_seconds: 0 }, http),
      b.service.bees.claim('newcomer', { bots: ['BOT-A'], wait_seconds: 0 }, http),
    ]);
    const c = await db.client();
    const { rows } = await c.query("SELECT id FROM events WHERE event_type = 'bee_online'");
    expect(rows).toHaveLength(1);
  });

  it('a bee idle again after its answer is no longer shown working on the task it finished', async () => {
    const db = await database();
    const [a, b] = [await db.server(), await db.server()];
    await a.service.run(task('TASK-DONE-ONCE'), {});
    const claimed = (await a.service.bees.claim('worker', { bots: ['BOT-A'], wait_seconds: 0 }, http)) as Claimed;
    await a.service.bees.heartbeat('worker', { bots: ['BOT-A'], current_task: 'TASK-DONE-ONCE' }, http);
    await a.service.bees.respond('TASK-DONE-ONCE', { lease_token: claimed.lease_token, content: 'done' }, http);
    // Idle again: it asks for work on the server that heard it working.
    expect(await a.service.bees.claim('worker', { bots: ['BOT-A'], wait_seconds: 0 }, http)).toBeNull();
    const worker = (await b.service.bots()).bees.find((bee) => bee.bee === 'worker');
    expect(worker).toMatchObject({ live: true, current_task: null });
  });
});

describe('each server mirrors the ledger', () => {
  it('a restarted server reads only what was committed while it was down', async () => {
    const db = await database();
    const mirrorDir = path.join(os.tmpdir(), `hive-mirror-test-${process.pid}-${Date.now()}`);
    const first = await db.server({ mirrorDir });
    for (const id of ['TASK-M1', 'TASK-M2']) await first.service.run(task(id), {});
    await first.close();
    const other = await db.server();
    await other.service.run(task('TASK-M3'), {});
    const again = await db.server({ mirrorDir });
    expect(again.tail.read).toBe(3); // TASK-M3's three events, not all nine
    expect((await again.service.list({ limit: 10 })).items.map((r) => r.task_id).sort()).toEqual([
      'TASK-M1',
      'TASK-M2',
      'TASK-M3',
    ]);
    await rm(mirrorDir, { recursive: true, force: true });
  });

  it('two servers on one machine mirror into files of their own', async () => {
    const db = await database();
    const mirrorDir = path.join(os.tmpdir(), `hive-mirror-test-${process.pid}-${Date.now()}`);
    const [a, b] = [await db.server({ mirrorDir }), await db.server({ mirrorDir })];
    await a.service.run(task('TASK-SHARED-DIR'), {});
    expect(await b.service.status('TASK-SHARED-DIR')).toMatchObject({ state: 'waiting' });
    expect((await readdir(mirrorDir)).filter((f) => f.endsWith('.db'))).toHaveLength(2);
    await a.close();
    await b.close();
    await rm(mirrorDir, { recursive: true, force: true });
  });
});
