/**
 * `hive import` and `hive migrate` as a person runs them (the real `hive` process), on a file
 * hive made by the real embedded hive and a database of its own per test on a real
 * PostgreSQL; what was imported is read back through a PgHive server's service.
 */
import { readdir, rm, unlink } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startScript } from '../../../e2e/support/scripts';
import type { Claimed } from '../../../server/contracts/bee-protocol';
import type { LedgerEvent } from '../../../server/contracts/ledger';
import { Hive } from '../../../server/core/hive';
import { pgHives, type PgHives } from '../../../server/testing/pg-hives';
import { runInput } from '../../../server/testing/tasks';
import { eventually, openTempHive, tempRoot } from '../../../server/testing/temp-hive';
import { claimAsBee, writeResponse } from '../../lib/hive-files';
import { freePort } from '../../lib/server-process';
import { EXIT } from '../exit-codes';

/** `hive ARGS` to the end, with HIVE_DATABASE_URL only when given. */
function hive(args: string[], env: Record<string, string> = {}) {
  const saved = process.env;
  // startScript adds `env` to this process's environment, read when it spawns: lend it one without ours.
  process.env = { ...saved };
  delete process.env.HIVE_DATABASE_URL;
  try {
    return startScript('hive.ts', args, env).done;
  } finally {
    process.env = saved;
  }
}

const undo: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of undo.splice(0).reverse()) await step().catch(() => undefined);
});

/** A database of its own (dropped after the test), servers on it and plain connections to it. */
async function database(label: string): Promise<PgHives> {
  const db = await pgHives(label);
  undo.push(() => db.cleanup());
  return db;
}

const tableExists = async (c: pg.Client, table: string) =>
  (await c.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [table])).rows[0]!.t !== null;

const count = async (c: pg.Client, table: string) =>
  Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);

/**
 * The file hive every import test starts from, made by the embedded hive: a task answered,
 * one cancelled, one waiting, one held for a paused bot, one claimed by a file bee, and one
 * whose task file is gone (its events remain).
 */
let source: { root: string; events: LedgerEvent[]; titles: Record<string, string> };
const RESPONSE = 'BEE-001-RESPONSE-IMP-ANSWERED.md';

beforeAll(async () => {
  const root = await tempRoot();
  const file = await Hive.open({ root, pollMs: 60_000 });
  try {
    const run = (task_id: string, bot_id = 'BEE-001') =>
      file.service.run(runInput({ task_id, bot_id, title: `Title of ${task_id}` }), { actor: 'test' });
    await run('IMP-ANSWERED');
    await run('IMP-CANCELLED');
    await run('IMP-WAITING');
    await run('IMP-CLAIMED');
    await run('IMP-NOFILE');
    await file.service.pause('BOT-B', 'test');
    await run('IMP-HELD', 'BOT-B');
    await writeResponse(root, RESPONSE, '# Done\n\nhello.py written.\n');
    await eventually(() => file.view.get('IMP-ANSWERED')?.state === 'completed');
    await file.service.cancel('IMP-CANCELLED', { reason: 'not needed' }, 'test');
    await claimAsBee(root, 'IMP-CLAIMED', 'bee-1');
    await eventually(() => file.view.get('IMP-CLAIMED')?.state === 'claimed');
    expect(file.view.get('IMP-HELD')?.state).toBe('held');
  } finally {
    await file.close();
  }
  // The ledger outlives the task file: the import rebuilds the task from its events.
  const inbox = path.join(root, '.deia', 'hive', 'tasks', 'BEE-001');
  const gone = (await readdir(inbox)).find((name) => name.endsWith('-IMP-NOFILE.json'))!;
  await unlink(path.join(inbox, gone));

  const reader = await Hive.open({ root, pollMs: 60_000 });
  const events = [...reader.ledger.all()];
  await reader.close();
  const titles = Object.fromEntries(
    ['IMP-ANSWERED', 'IMP-CANCELLED', 'IMP-WAITING', 'IMP-CLAIMED', 'IMP-NOFILE', 'IMP-HELD'].map((id) => [
      id,
      `Title of ${id}`,
    ]),
  );
  source = { root, events, titles };
}, 60_000);

afterAll(() => rm(source.root, { recursive: true, force: true }));

describe('hive import', () => {
  it('moves every event (with its id), task, state, response and pause into an empty database', async () => {
    const db = await database('import');
    const { code, stdout, stderr } = await hive(['import', '--from', source.root, '--database-url', db.url]);
    expect(code, stderr).toBe(EXIT.ok);
    const lastId = source.events.at(-1)!.id;
    expect(stdout).toContain(
      `events     ${source.events.length} (last id ${lastId}; the next event gets ${lastId + 1})`,
    );
    expect(stdout).toContain('tasks      6: 3 waiting, 1 held, 2 done');
    expect(stdout).toContain('responses  1');
    expect(stdout).toContain('paused: BOT-B');
    expect(stderr).toMatch(
      /warning: IMP-CLAIMED was claimed \(bee bee-1, attempt 1\).*offered to bees again \(attempt 2\)/,
    );
    expect(stderr).toMatch(/warning: IMP-NOFILE: no task file .* rebuilt from its ledger events/);

    const server = await db.server();
    const service = server.service;
    expect(await service.lastEventId()).toBe(lastId);
    const all = await (
      await db.client()
    ).query<{ id: string; event_type: string }>('SELECT id, event_type FROM events ORDER BY id');
    expect(all.rows.map((r) => [Number(r.id), r.event_type])).toEqual(source.events.map((e) => [e.id, e.event_type]));
    for (const taskId of Object.keys(source.titles)) {
      const timeline = await service.timeline(taskId);
      const strip = ({ id, ts, event_type, task_id, actor, data }: LedgerEvent) => ({
        id,
        ts,
        event_type,
        task_id,
        actor,
        data,
      });
      expect(timeline.events.map(strip)).toEqual(source.events.filter((e) => e.task_id === taskId).map(strip));
    }
    const answered = await service.status('IMP-ANSWERED');
    expect(answered).toMatchObject({
      status: 'completed',
      state: 'completed',
      response_path: `postgres:responses/${RESPONSE}`,
      content: '# Done\n\nhello.py written.\n',
    });
    expect(await service.status('IMP-CANCELLED')).toMatchObject({ state: 'cancelled' });
    expect(await service.status('IMP-HELD')).toMatchObject({ state: 'held', task: { bot_id: 'BOT-B' } });
    expect(await service.status('IMP-WAITING')).toMatchObject({
      state: 'waiting',
      task: { title: 'Title of IMP-WAITING' },
    });
    // Rebuilt from its events: the task as bees get it is whole.
    expect(await service.status('IMP-NOFILE')).toMatchObject({
      state: 'waiting',
      task: {
        task_id: 'IMP-NOFILE',
        bot_id: 'BEE-001',
        intent: 'code',
        title: 'Title of IMP-NOFILE',
        summary: 'Write a hello world script',
        kb_entities: [],
        status: 'active',
        lane: expect.any(String),
        provider: expect.any(String),
        delivery_mode: expect.any(String),
        created_at: expect.any(String),
      },
    });
    const list = await service.list({ limit: 50 });
    expect(list.items.map((r) => r.task_id).sort()).toEqual(Object.keys(source.titles).sort());
    const bots = await service.bots();
    expect(bots.bots.find((b) => b.bot_id === 'BOT-B')).toMatchObject({ paused: true, held: 1 });

    // The database decides as it would have: the pause holds new tasks, ids continue, and the
    // claimed task is offered again as its next attempt, after the one that waited before it.
    const fresh = await service.run(runInput({ task_id: 'PG-NEW', bot_id: 'BOT-B' }), { actor: 'test' });
    expect(fresh.state).toBe('held');
    expect((await service.timeline('PG-NEW')).events[0]!.id).toBe(lastId + 1);
    const claims: Claimed[] = [];
    for (let i = 0; i < 3; i++) {
      claims.push((await service.bees.claim('bee-pg', { bots: ['BEE-001'], wait_seconds: 0 }, null)) as Claimed);
    }
    expect(claims.map((c) => [c.task_id, c.attempt])).toEqual([
      ['IMP-WAITING', 1],
      ['IMP-CLAIMED', 2],
      ['IMP-NOFILE', 1],
    ]);
    expect(claims[1]!.task).toMatchObject({ task_id: 'IMP-CLAIMED', status: 'active' });
  }, 60_000);

  it('refuses a database that already holds a hive, and changes nothing in it', async () => {
    const db = await database('import-twice');
    expect((await hive(['import', '--from', source.root, '--database-url', db.url])).code).toBe(EXIT.ok);
    const c = await db.client();
    const before = [await count(c, 'events'), await count(c, 'tasks'), await count(c, 'responses')];
    const again = await hive(['import', '--from', source.root], { HIVE_DATABASE_URL: db.url });
    expect(again.code).toBe(EXIT.conflict);
    expect(again.stderr).toContain(
      `already holds a hive (${source.events.length} events, 6 tasks): import fills only an empty one and overwrites nothing. Nothing was changed.`,
    );
    expect(again.stdout).toBe('');
    expect([await count(c, 'events'), await count(c, 'tasks'), await count(c, 'responses')]).toEqual(before);
  }, 60_000);

  it('--dry-run reads everything, prints what it would import, and creates nothing', async () => {
    const db = await database('import-dry');
    const { code, stdout } = await hive(['import', '--from', source.root, '--database-url', db.url, '--dry-run']);
    expect(code).toBe(EXIT.ok);
    expect(stdout).toContain('dry run: would import into');
    expect(stdout).toContain('schema     would apply 1 (ledger, tasks, responses, bees, bots)');
    expect(stdout).toContain(`events     ${source.events.length}`);
    expect(stdout).toContain('tasks      6: 3 waiting, 1 held, 2 done');
    const c = await db.client();
    expect(await tableExists(c, 'hive_migrations')).toBe(false);
    expect(await tableExists(c, 'events')).toBe(false);
  }, 60_000);

  it('refuses while a server runs on the file hive', async () => {
    const running = await openTempHive();
    undo.push(() => running.cleanup());
    const db = await database('import-locked');
    const { code, stderr } = await hive(['import', '--from', running.paths.root, '--database-url', db.url]);
    expect(code).toBe(EXIT.conflict);
    expect(stderr).toContain(`A Hive Control server is running on the file hive at ${running.paths.deia}`);
    expect(stderr).toContain(`process ${process.pid}`);
    const c = await db.client();
    expect(await tableExists(c, 'events')).toBe(false);
  }, 60_000);

  it('names the flag meant when one is misspelt, and says how to give the database', async () => {
    const [typo, noDatabase] = await Promise.all([
      hive(['import', '--form', source.root]),
      hive(['import', '--from', source.root]),
    ]);
    expect(typo.code).toBe(EXIT.invalidInput);
    expect(typo.stderr).toContain('Unknown flag --form for `hive import`. Did you mean --from?');
    expect(noDatabase.code).toBe(EXIT.invalidInput);
    expect(noDatabase.stderr).toContain('give --database-url URL or set HIVE_DATABASE_URL');
  }, 60_000);
});

describe('hive migrate', () => {
  it('--dry-run lists the pending steps and creates nothing; migrate applies them once', async () => {
    const db = await database('migrate');
    const c = await db.client();
    const dry = await hive(['migrate', '--dry-run'], { HIVE_DATABASE_URL: db.url });
    expect(dry.code).toBe(EXIT.ok);
    expect(dry.stdout).toContain('1 pending step for');
    expect(dry.stdout).toContain('(schema at version 0, would reach 1); nothing was changed');
    expect(dry.stdout).toContain('-- step 1 (ledger, tasks, responses, bees, bots)');
    expect(dry.stdout).toContain('CREATE TABLE events (');
    expect(await tableExists(c, 'hive_migrations')).toBe(false);
    expect(await tableExists(c, 'events')).toBe(false);

    const first = await hive(['migrate', '--database-url', db.url]);
    expect(first.code).toBe(EXIT.ok);
    expect(first.stdout.trim()).toBe('applied 1 (ledger, tasks, responses, bees, bots): schema at version 1');
    expect(await tableExists(c, 'events')).toBe(true);

    const [second, dryAgain] = await Promise.all([
      hive(['migrate', '--database-url', db.url]),
      hive(['migrate', '--database-url', db.url, '--dry-run', '--json']),
    ]);
    expect(second.stdout.trim()).toBe('nothing to apply: schema at version 1');
    expect(JSON.parse(dryAgain.stdout)).toEqual({ dry_run: true, version: 1, pending: [], would_reach: 1 });
  }, 60_000);

  it('says in one line that the database cannot be reached, and how to give another', async () => {
    const port = await freePort();
    const [refused, missing] = await Promise.all([
      hive(['migrate', '--database-url', `postgres://hive:secret@127.0.0.1:${port}/hive`]),
      hive(['migrate']),
    ]);
    expect(refused.code).toBe(EXIT.unreachable);
    expect(refused.stderr.split('\n')[0]).toBe(
      `error: Cannot connect to the database at postgres://hive:***@127.0.0.1:${port}/hive (connection refused).`,
    );
    expect(missing.code).toBe(EXIT.invalidInput);
    expect(missing.stderr).toContain(
      '`hive migrate` needs the database: give --database-url URL or set HIVE_DATABASE_URL.',
    );
  }, 60_000);
});
