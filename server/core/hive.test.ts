/** The hive's own reactions: a routing table picked up by the watcher, bees' work done while it was down, the task list rebuilt. */
import { open, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TaskListQuery } from '../contracts/task-list';
import { eventually, openTempHive } from '../testing/temp-hive';
import type { Hive } from './hive';
import { runInput as task } from '../testing/tasks';

type TempHive = Awaited<ReturnType<typeof openTempHive>>;

/** Rewrites a task file's status the way the contract lets a bee: whole, via tmp/, then renamed over it. */
async function rewriteStatus(hive: Hive, taskPath: string, status: string) {
  const file = path.join(hive.paths.root, taskPath);
  const body = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  const tmp = path.join(hive.paths.tmp, `bee-rewrite-${path.basename(file)}`);
  await writeFile(tmp, JSON.stringify({ ...body, status }));
  await rename(tmp, file);
}

/** Claims a task the way a bee does: `claims/{task_id}` created exclusively. */
async function claim(hive: Hive, taskId: string, botId = 'BEE-001') {
  const record = { bot_id: botId, bee: botId, host: 'test', pid: 1, claimed_at: new Date().toISOString() };
  await writeFile(path.join(hive.paths.claims, taskId), `${JSON.stringify(record)}\n`, { flag: 'wx' });
}

async function respond(hive: Hive, name: string, content: string) {
  const tmp = path.join(hive.paths.tmp, `${name}.part`);
  await writeFile(tmp, content);
  await rename(tmp, path.join(hive.paths.responses, name));
}

const types = (hive: Hive, taskId: string) => hive.ledger.forTask(taskId).map((e) => e.event_type);
const count = (hive: Hive, taskId: string, type: string) => types(hive, taskId).filter((t) => t === type).length;

describe('.deia/routing.json written while the hive runs', () => {
  let hive: TempHive;
  // The fallback poll is an hour away: only the watcher can bring the file in.
  beforeEach(async () => (hive = await openTempHive({ pollMs: 3_600_000 })));
  afterEach(() => hive.cleanup());

  it('reaches the next dispatch through the watcher, which records the rule and the file it came from', async () => {
    const before = await hive.executor.execute(task({ task_id: 'TASK-BEFORE', intent: 'review' }));
    expect(before.routing).toEqual({ rule: 'fallback', source: 'default' });

    const table = {
      rules: [{ name: 'reviews', intents: ['review'], lane: 'review-lane', provider: 'claude', delivery: 'task_file' }],
      fallback: { lane: 'llm', provider: 'default', delivery: 'cache_prompt' },
    };
    await writeFile(hive.paths.routingFile, JSON.stringify(table));
    await eventually(() => hive.routing.active.source === '.deia/routing.json');

    const after = await hive.executor.execute(task({ task_id: 'TASK-AFTER', intent: 'review' }));
    expect(after).toMatchObject({
      lane: 'review-lane',
      provider: 'claude',
      delivery_mode: 'task_file',
      routing: { rule: 'reviews', source: '.deia/routing.json' },
    });
    const file: unknown = JSON.parse(await readFile(path.join(hive.paths.root, after.task_path), 'utf8'));
    expect(file).toMatchObject({ lane: 'review-lane', routing: { rule: 'reviews', source: '.deia/routing.json' } });
    const routed = hive.ledger.forTask('TASK-AFTER').find((e) => e.event_type === 'task_routed');
    expect(routed?.data).toMatchObject({ lane: 'review-lane', rule: 'reviews', source: '.deia/routing.json' });
    expect(hive.view.get('TASK-AFTER')).toMatchObject({ rule: 'reviews', routing_source: '.deia/routing.json' });
  });
});

describe('start-up reconciliation of what bees did while the server was down', () => {
  it('records each claim and each status rewrite once, in the order the bee did them', async () => {
    const first = await openTempHive();
    const root = first.paths.root;
    const dispatched: Record<string, string> = {};
    for (const id of ['TASK-CLAIMED', 'TASK-REWRITTEN', 'TASK-WORKED', 'TASK-ANSWERED', 'TASK-UNTOUCHED']) {
      dispatched[id] = (await first.executor.execute(task({ task_id: id }))).task_path;
    }
    await first.close();

    // While the server is down: one bee claims, one only rewrites a status, one does both,
    // one claims, marks it in progress and answers.
    await claim(first, 'TASK-CLAIMED');
    await rewriteStatus(first, dispatched['TASK-REWRITTEN']!, 'blocked');
    await claim(first, 'TASK-WORKED', 'BEE-007');
    await rewriteStatus(first, dispatched['TASK-WORKED']!, 'in_progress');
    await claim(first, 'TASK-ANSWERED');
    await rewriteStatus(first, dispatched['TASK-ANSWERED']!, 'in_progress');
    await respond(first, 'BEE-001-RESPONSE-TASK-ANSWERED.md', 'done while the server was down');

    const second = await openTempHive({ root });
    try {
      await second.reconciled;
      // The answer is fresh, so it counts once it has settled (HIVE_RESPONSE_QUIET_MS).
      await eventually(() => types(second, 'TASK-ANSWERED').includes('task_archived'));
      expect(
        second.ledger
          .forTask('TASK-CLAIMED')
          .slice(3)
          .map((e) => [e.event_type, e.actor]),
      ).toEqual([['task_claimed', 'BEE-001']]);
      expect(
        second.ledger
          .forTask('TASK-REWRITTEN')
          .slice(3)
          .map((e) => [e.event_type, e.data]),
      ).toEqual([['task_status_changed', { status: 'blocked', previous: 'active' }]]);
      expect(
        second.ledger
          .forTask('TASK-WORKED')
          .slice(3)
          .map((e) => [e.event_type, e.actor]),
      ).toEqual([
        ['task_claimed', 'BEE-007'],
        ['task_status_changed', 'BEE-001'],
      ]);
      expect(types(second, 'TASK-ANSWERED').slice(3)).toEqual([
        'task_claimed',
        'task_status_changed',
        'task_completed',
        'task_archived',
      ]);
      expect(types(second, 'TASK-UNTOUCHED')).toEqual(['task_execution_started', 'task_routed', 'task_dispatched']);
      expect(second.view.get('TASK-WORKED')).toMatchObject({ status: 'in_progress', claimed_by: 'BEE-007' });
      expect(second.view.get('TASK-REWRITTEN')).toMatchObject({ status: 'blocked', claimed_by: null });
    } finally {
      await second.close();
    }

    // A restart with nothing new to notice records nothing again.
    const third = await openTempHive({ root });
    try {
      await third.reconciled;
      for (const id of ['TASK-CLAIMED', 'TASK-WORKED', 'TASK-ANSWERED'])
        expect(count(third, id, 'task_claimed')).toBe(1);
      for (const id of ['TASK-REWRITTEN', 'TASK-WORKED', 'TASK-ANSWERED'])
        expect(count(third, id, 'task_status_changed')).toBe(1);
    } finally {
      await third.cleanup();
    }
  });
});

describe('what bees do while the hive runs', () => {
  let hive: TempHive;
  beforeEach(async () => (hive = await openTempHive()));
  afterEach(() => hive.cleanup());

  it('records each claim and status change once, and before the completion they led to', async () => {
    // A claim written with writeFile(…, {flag: 'wx'}) is two file events (create, then write).
    const ids = Array.from({ length: 20 }, (_, i) => `TASK-FAST-${i}`);
    const taskPaths = new Map<string, string>();
    for (const id of ids) taskPaths.set(id, (await hive.executor.execute(task({ task_id: id }))).task_path);

    await Promise.all(
      ids.map(async (id) => {
        await claim(hive, id);
        await rewriteStatus(hive, taskPaths.get(id)!, 'blocked');
        await respond(hive, `BEE-001-RESPONSE-${id}.md`, 'gave up at once');
      }),
    );
    await eventually(() => ids.every((id) => types(hive, id).includes('task_archived')));

    for (const id of ids) {
      expect(
        types(hive, id).slice(3),
        `${id}: ${JSON.stringify(
          hive.ledger
            .forTask(id)
            .slice(3)
            .map((e) => [e.event_type, e.data]),
        )}`,
      ).toEqual(['task_claimed', 'task_status_changed', 'task_completed', 'task_archived']);
    }
  });

  it('records a claim with the bot it names even when the claim is read before its content is written', async () => {
    const { task_path } = await hive.executor.execute(task({ task_id: 'TASK-SLOW-CLAIM' }));
    const file = path.join(hive.paths.claims, 'TASK-SLOW-CLAIM');
    const handle = await open(file, 'wx');
    try {
      // A status rewrite of the same task, looked at after the empty claim: once it is recorded,
      // the empty claim has been read.
      await rewriteStatus(hive, task_path, 'in_progress');
      await eventually(() => types(hive, 'TASK-SLOW-CLAIM').includes('task_status_changed'));
      expect(hive.view.get('TASK-SLOW-CLAIM')?.claimed_by).toBeNull();

      await handle.writeFile(JSON.stringify({ bot_id: 'BEE-042', claimed_at: new Date().toISOString() }));
    } finally {
      await handle.close();
    }
    await eventually(() => hive.view.get('TASK-SLOW-CLAIM')?.claimed_by);
    expect(hive.ledger.forTask('TASK-SLOW-CLAIM').filter((e) => e.event_type === 'task_claimed')).toMatchObject([
      { actor: 'BEE-042' },
    ]);
  });
});

describe('shutdown', () => {
  it('lets a dispatch in flight finish and be recorded, ends waits and refuses new dispatches with SHUTTING_DOWN', async () => {
    const hive = await openTempHive();
    const root = hive.paths.root;
    const waiting = hive.executor.execute(task({ task_id: 'TASK-WAITING', wait_for_response: true }));
    await eventually(() => hive.tasks.has('TASK-WAITING'));
    // Started, not yet written or recorded, when the server is told to stop.
    const inFlight = hive.executor.execute(task({ task_id: 'TASK-IN-FLIGHT' }));
    const stopping = hive.shutdown();
    const late = hive.executor.execute(task({ task_id: 'TASK-LATE' }));

    await expect(waiting).rejects.toMatchObject({ code: 'SHUTTING_DOWN', message: /TASK-WAITING stays dispatched/ });
    await expect(late).rejects.toMatchObject({ code: 'SHUTTING_DOWN', message: /nothing was dispatched/ });
    expect(await inFlight).toMatchObject({ status: 'dispatched', task_id: 'TASK-IN-FLIGHT' });
    await stopping;

    const reopened = await openTempHive({ root });
    try {
      for (const id of ['TASK-IN-FLIGHT', 'TASK-WAITING']) {
        expect(types(reopened, id), id).toEqual(['task_execution_started', 'task_routed', 'task_dispatched']);
        expect(reopened.tasks.get(id)?.location, id).toBe('tasks');
      }
      expect(types(reopened, 'TASK-LATE')).toEqual([]);
      expect(reopened.tasks.has('TASK-LATE')).toBe(false);
    } finally {
      await reopened.cleanup();
    }
  });
});

describe('the task list (task_view) of a ledger.db that has none', () => {
  it('is rebuilt from the ledger when the hive opens, equal to the list before', async () => {
    const first = await openTempHive();
    const root = first.paths.root;
    const paths: Record<string, string> = {};
    for (const [id, overrides] of [
      ['TASK-R1', { intent: 'code', title: 'Write the parser' }],
      ['TASK-R2', { intent: 'design', title: 'Plan the schema', bot_id: 'BEE-002' }],
      ['TASK-R3', { intent: 'research', title: 'Survey parsers', summary: 'compare zod and valibot' }],
      ['TASK-R4', { intent: 'code', title: 'Fix the lexer' }],
    ] as const) {
      paths[id] = (await first.executor.execute(task({ task_id: id, ...overrides }))).task_path;
    }
    await claim(first, 'TASK-R1');
    await rewriteStatus(first, paths['TASK-R1']!, 'in_progress');
    await eventually(
      () => first.view.get('TASK-R1')?.status === 'in_progress' && first.view.get('TASK-R1')?.claimed_by,
    );
    await rewriteStatus(first, paths['TASK-R4']!, 'blocked');
    await respond(first, 'TASK-R3.md', 'surveyed');
    await eventually(() => first.view.get('TASK-R4')?.status === 'blocked');
    await eventually(() => types(first, 'TASK-R3').includes('task_archived'));

    const queries: Partial<TaskListQuery>[] = [
      {},
      { limit: 2 },
      { status: 'completed' },
      { lane: 'terminal' },
      { bot_id: 'BEE-002' },
      { search: 'pars' },
      { search: 'valibot' },
      { search: 'TASK-R' },
    ];
    const list = (hive: Hive) => queries.map((q) => hive.view.list({ limit: 50, ...q }));
    const before = list(first);
    expect(before[0]!.items).toHaveLength(4);
    await first.close();

    // A ledger.db from before the read model (and schema versions) existed: the events, and
    // no task_view, search index or record of schema steps.
    const db = new Database(path.join(root, '.deia', 'ledger.db'));
    db.exec('DROP TABLE task_view; DROP TABLE task_search; DROP TABLE schema_versions;');
    db.close();

    const second = await openTempHive({ root });
    try {
      expect(list(second)).toEqual(before);
    } finally {
      await second.cleanup();
    }
  });
});
