import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isTrackedEnvelope } from '@trpc/server';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import type { LedgerEvent, LiveEvent } from '../contracts/ledger';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually, openTempHive } from '../testing/temp-hive';
import { appRouter, createCaller } from './root';

type TempHive = Awaited<ReturnType<typeof openTempHive>>;
const hello = { intent: 'code', title: 'Create hello.py', summary: 'Write a hello world script' };

let hive: TempHive;
let caller: ReturnType<typeof createCaller>;
beforeEach(async () => {
  hive = await openTempHive();
  caller = createCaller({ service: hive.service, actor: 'test' });
});
afterEach(() => hive.cleanup());

async function respond(name: string, content: string) {
  const tmp = path.join(hive.paths.tmp, `${name}.part`);
  await writeFile(tmp, content);
  await rename(tmp, path.join(hive.paths.responses, name));
}

describe('tasks.run and tasks.status', () => {
  it('dispatch through the same executor as REST', async () => {
    const result = await caller.tasks.run({ ...hello, task_id: 'TASK-T1' });
    expect(result).toMatchObject({ status: 'dispatched', task_id: 'TASK-T1', lane: 'terminal', provider: 'cli' });
    expect(await caller.tasks.status({ task_id: 'TASK-T1' })).toMatchObject({ status: 'active' });
    expect(hive.ledger.forTask('TASK-T1')[0]).toMatchObject({ actor: 'test' });
  });

  it('refuses bad input with BAD_REQUEST naming each field (through the fetch adapter, as over HTTP)', async () => {
    const res = await fetchRequestHandler({
      endpoint: '/api/trpc',
      req: new Request('http://127.0.0.1/api/trpc/tasks.run', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...hello, title: '', timeout_seconds: 0 }),
      }),
      router: appRouter,
      createContext: () => ({ service: hive.service, actor: 'test' }),
    });
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { message: string; data: Record<string, unknown> } };
    expect(error.data).toMatchObject({ code: 'BAD_REQUEST', httpStatus: 400 });
    expect(Object.keys(error.data.fields as object).sort()).toEqual(['timeout_seconds', 'title']);
    expect(error.message).toMatch(/title: title must not be empty/);
  });

  it('refuses a duplicate task_id with CONFLICT', async () => {
    await caller.tasks.run({ ...hello, task_id: 'TASK-T2' });
    await expect(caller.tasks.run({ ...hello, task_id: 'TASK-T2' })).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('tasks.wait waits for a task dispatched earlier, as wait_for_response does, and records a timeout', async () => {
    await caller.tasks.run({ ...hello, task_id: 'TASK-W' });
    const answered = caller.tasks.wait({ task_id: 'TASK-W', timeout_seconds: 30 });
    await respond('TASK-W.md', 'done');
    expect(await answered).toMatchObject({ status: 'completed', content: 'done' });

    await caller.tasks.run({ ...hello, task_id: 'TASK-W2' });
    expect(await caller.tasks.wait({ task_id: 'TASK-W2', timeout_seconds: 1 })).toEqual({
      status: 'timeout',
      task_id: 'TASK-W2',
    });
    expect(hive.ledger.forTask('TASK-W2').at(-1)).toMatchObject({ event_type: 'task_timeout', actor: 'hive-control' });
    await expect(caller.tasks.wait({ task_id: 'TASK-NONE', timeout_seconds: 1 })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('says NOT_FOUND for the detail of an unknown task', async () => {
    await expect(caller.tasks.detail({ task_id: 'TASK-NONE' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('tasks.list', () => {
  beforeEach(async () => {
    await caller.tasks.run({ ...hello, task_id: 'TASK-A1', intent: 'code', title: 'Write the parser' });
    await caller.tasks.run({
      ...hello,
      task_id: 'TASK-A2',
      intent: 'design',
      title: 'Plan the schema',
      bot_id: 'BEE-002',
    });
    await caller.tasks.run({
      ...hello,
      task_id: 'OTHER-1',
      intent: 'research',
      title: 'Survey parsers',
      summary: 'compare zod and valibot',
    });
  });

  it('lists newest first with the routed lane and provider', async () => {
    const { items } = await caller.tasks.list({});
    expect(items.map((t) => t.task_id)).toEqual(['OTHER-1', 'TASK-A2', 'TASK-A1']);
    expect(items[2]).toMatchObject({
      lane: 'terminal',
      provider: 'cli',
      delivery_mode: 'task_file',
      rule: 'code',
      status: 'active',
    });
  });

  it('filters by lane, bot and intent', async () => {
    expect((await caller.tasks.list({ lane: 'llm' })).items.map((t) => t.task_id)).toEqual(['OTHER-1', 'TASK-A2']);
    expect((await caller.tasks.list({ bot_id: 'BEE-002' })).items.map((t) => t.task_id)).toEqual(['TASK-A2']);
    expect((await caller.tasks.list({ intent: 'code' })).items.map((t) => t.task_id)).toEqual(['TASK-A1']);
  });

  it('searches by id prefix and by words in title or summary', async () => {
    expect((await caller.tasks.list({ search: 'TASK-A' })).items.map((t) => t.task_id)).toEqual(['TASK-A2', 'TASK-A1']);
    expect((await caller.tasks.list({ search: 'pars' })).items.map((t) => t.task_id)).toEqual(['OTHER-1', 'TASK-A1']);
    expect((await caller.tasks.list({ search: 'valibot' })).items.map((t) => t.task_id)).toEqual(['OTHER-1']);
    expect((await caller.tasks.list({ search: '"; DROP TABLE' })).items).toEqual([]);
  });

  it('pages with a cursor that stays correct while new tasks arrive', async () => {
    const first = await caller.tasks.list({ limit: 2 });
    expect(first.items.map((t) => t.task_id)).toEqual(['OTHER-1', 'TASK-A2']);
    await caller.tasks.run({ ...hello, task_id: 'TASK-NEW' });
    const second = await caller.tasks.list({ limit: 2, cursor: first.next_cursor });
    expect(second.items.map((t) => t.task_id)).toEqual(['TASK-A1']);
    expect(second.next_cursor).toBeNull();
  });

  it('shows statuses bees write and completion', async () => {
    const { task_path } = (await caller.tasks.detail({ task_id: 'TASK-A1' })).row!;
    const file = path.join(hive.paths.root, task_path);
    const task = JSON.parse(await (await import('node:fs/promises')).readFile(file, 'utf8')) as Record<string, unknown>;
    await writeFile(`${file}.tmp`, JSON.stringify({ ...task, status: 'in_progress' }));
    await rename(`${file}.tmp`, file);
    await eventually(async () => (await caller.tasks.list({ status: 'in_progress' })).items.length === 1);

    await respond('TASK-A1.md', 'done');
    await eventually(async () => (await caller.tasks.list({ status: 'completed' })).items.length === 1);
    // Archiving follows the completion, as its own step.
    const timeline = await eventually(async () => {
      const t = await caller.tasks.timeline({ task_id: 'TASK-A1' });
      return t.events.at(-1)?.event_type === 'task_archived' ? t : null;
    });
    expect(timeline.events.map((e) => e.event_type)).toEqual([
      'task_execution_started',
      'task_routed',
      'task_dispatched',
      'task_status_changed',
      'task_completed',
      'task_archived',
    ]);
    expect(timeline.events[0]!.since_previous_ms).toBeNull();
    expect(timeline.events[4]!.since_previous_ms).toBeGreaterThanOrEqual(0);
  });
});

describe('routing.table', () => {
  it('shows the table in force, its source and the last load error', async () => {
    expect(await caller.routing.table()).toMatchObject({ source: 'default', error: null });
    await writeFile(hive.paths.routingFile, '{"rules": 3}');
    await eventually(async () => (await caller.routing.table()).error);
    const info = await caller.routing.table();
    expect(info.source).toBe('default');
    expect(info.error).toMatch(/routing\.json is invalid/);
  });
});

/** The caller yields tracked envelopes `[id, event]`; over SSE the id becomes the SSE event id. */
async function* events<T>(stream: AsyncIterable<unknown>): AsyncGenerator<[string, T]> {
  for await (const item of stream) {
    if (!isTrackedEnvelope<T>(item)) throw new Error('expected a tracked event');
    yield [item[0], item[1]];
  }
}

describe('hive.live', () => {
  it('streams ledger events as they happen and resumes after the last id without gaps or repeats', async () => {
    const stream = events<LedgerEvent>(await caller.hive.live({}));
    const seen: { id: string; type: string }[] = [];
    const reading = (async () => {
      for await (const [id, event] of stream) {
        seen.push({ id, type: event.event_type });
        if (seen.length === 3) break;
      }
    })();
    await caller.tasks.run({ ...hello, task_id: 'TASK-L1' });
    await reading;
    expect(seen.map((s) => s.type)).toEqual(['task_execution_started', 'task_routed', 'task_dispatched']);

    await caller.tasks.run({ ...hello, task_id: 'TASK-L2' });
    const resumed: string[] = [];
    const stream2 = events<LedgerEvent>(await caller.hive.live({ lastEventId: seen[2]!.id }));
    for await (const [id, event] of stream2) {
      resumed.push(`${event.task_id}#${id}`);
      if (resumed.length === 3) break;
    }
    expect(resumed.every((r) => r.startsWith('TASK-L2#'))).toBe(true);
    expect(Number(resumed[0]!.split('#')[1])).toBe(Number(seen[2]!.id) + 1);
  });

  it("carries each task event's delivery state, and none for events about the hive", async () => {
    const stream = events<LiveEvent>(await caller.hive.live({}));
    const seen: [string, string | null][] = [];
    const reading = (async () => {
      for await (const [, event] of stream) {
        seen.push([event.event_type, event.state]);
        if (event.event_type === 'task_cancelled') break;
      }
    })();
    await caller.bots.pause({ bot_id: 'BEE-LIVE' });
    await caller.tasks.run({ ...hello, task_id: 'TASK-L3', bot_id: 'BEE-LIVE' });
    await caller.tasks.cancel({ task_id: 'TASK-L3' });
    await reading;
    expect(seen.slice(0, 5)).toEqual([
      ['bot_paused', null],
      ['task_execution_started', expect.any(String)],
      ['task_routed', expect.any(String)],
      ['task_dispatched', expect.any(String)],
      ['task_held', expect.any(String)],
    ]);
    expect(seen.at(-1)).toEqual(['task_cancelled', 'cancelled']);
  });
});

describe('a bee that gives up', () => {
  it('marks the task blocked and answers at once: the list keeps it blocked, status has the report', async () => {
    await caller.tasks.run({ ...hello, task_id: 'TASK-GIVEUP' });
    const { task_path } = (await caller.tasks.detail({ task_id: 'TASK-GIVEUP' })).row!;
    const file = path.join(hive.paths.root, task_path);
    await writeFile(path.join(hive.paths.claims, 'TASK-GIVEUP'), JSON.stringify({ bot_id: 'BEE-001' }), { flag: 'wx' });
    const task = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    await writeFile(`${file}.tmp`, JSON.stringify({ ...task, status: 'blocked' }));
    await rename(`${file}.tmp`, file);
    await respond('BEE-001-RESPONSE-TASK-GIVEUP.md', '# Task TASK-GIVEUP failed');

    await eventually(() => hive.ledger.isCompleted('TASK-GIVEUP'));
    expect((await caller.tasks.list({ search: 'TASK-GIVEUP' })).items[0]).toMatchObject({ status: 'blocked' });
    expect(await caller.tasks.status({ task_id: 'TASK-GIVEUP' })).toMatchObject({ status: 'completed' });
  });
});
