/** The hive's own reactions: a routing table picked up by the watcher, bees' work done while it was down, the task list rebuilt. */
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TaskListQuery } from '../contracts/task-list';
import { RunTaskInputSchema, type RunTaskRequest } from '../contracts/task';
import { eventually, openTempHive } from '../testing/temp-hive';
import type { Hive } from './hive';

type TempHive = Awaited<ReturnType<typeof openTempHive>>;

const task = (overrides: Partial<RunTaskRequest> = {}) =>
  RunTaskInputSchema.parse({
    intent: 'code',
    title: 'Create hello.py',
    summary: 'Write a hello world script',
    ...overrides,
  });

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
    const file = JSON.parse(await readFile(path.join(hive.paths.root, after.task_path), 'utf8'));
    expect(file).toMatchObject({ lane: 'review-lane', routing: { rule: 'reviews', source: '.deia/routing.json' } });
    const routed = hive.ledger.forTask('TASK-AFTER').find((e) => e.event_type === 'task_routed');
    expect(routed?.data).toMatchObject({ lane: 'review-lane', rule: 'reviews', source: '.deia/routing.json' });
    expect(hive.view.get('TASK-AFTER')).toMatchObject({ rule: 'reviews', routing_source: '.deia/routing.json' });
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

    // A ledger.db from before the read model existed: the events, and no task_view or search index.
    const db = new Database(path.join(root, '.deia', 'ledger.db'));
    db.exec('DROP TABLE task_view; DROP TABLE task_search;');
    db.close();

    const second = await openTempHive({ root });
    try {
      expect(list(second)).toEqual(before);
    } finally {
      await second.cleanup();
    }
  });
});
