/** Pause and resume, retry with lineage, and batch dispatch (DESIGN §7) against real files and a real ledger. */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { claimAsBee, setStatusAsBee, writeResponse } from '../../../scripts/lib/hive-files';
import type { DispatchResult } from '../../contracts/task';
import { eventually, openTempHive } from '../../testing/temp-hive';
import { runInput } from '../../testing/tasks';

let hive: Awaited<ReturnType<typeof openTempHive>>;
beforeEach(async () => (hive = await openTempHive()));
afterEach(() => hive.cleanup());

const root = () => hive.paths.root;
const inbox = (bot: string) => readdir(path.join(hive.paths.tasks, bot)).catch(() => [] as string[]);

describe('pause and resume', () => {
  it('holds what is dispatched to a paused bot out of its inbox, then delivers it in order on resume', async () => {
    expect(await hive.service.pause('BEE-009', 'test')).toEqual({ bot_id: 'BEE-009', paused: true, held: 0 });
    const held: DispatchResult[] = [];
    for (const n of [1, 2, 3]) {
      held.push(await hive.service.run(runInput({ task_id: `TASK-P${n}`, bot_id: 'BEE-009' }), { actor: 'test' }));
    }
    expect(held.map((r) => [r.state, r.task_path.split('/').slice(0, 4).join('/')])).toEqual(
      Array(3).fill(['held', '.deia/hive/held/BEE-009']),
    );
    expect(await inbox('BEE-009')).toEqual([]);
    expect(await hive.service.status('TASK-P1')).toMatchObject({ status: 'active', state: 'held' });
    expect((await hive.service.bots()).bots.find((b) => b.bot_id === 'BEE-009')).toMatchObject({
      paused: true,
      held: 3,
    });

    expect(await hive.service.resume('BEE-009', 'test')).toEqual({ bot_id: 'BEE-009', paused: false, held: 0 });
    expect((await inbox('BEE-009')).map((f) => f.replace(/^\d{8}T\d{9}Z-/, ''))).toEqual([
      'TASK-P1.json',
      'TASK-P2.json',
      'TASK-P3.json',
    ]);
    const released = hive.ledger
      .after(0, 1000)
      .filter((e) => e.event_type === 'task_released')
      .map((e) => e.task_id);
    expect(released).toEqual(['TASK-P1', 'TASK-P2', 'TASK-P3']);
    expect(hive.view.get('TASK-P2')).toMatchObject({ state: 'waiting' });
  });

  it('survives a restart: still paused, still holding', async () => {
    await hive.service.pause('BEE-009', 'test');
    await hive.close();
    hive = await openTempHive({ root: root() });
    const again = await hive.service.run(runInput({ task_id: 'TASK-AFTER', bot_id: 'BEE-009' }), { actor: 'test' });
    expect(again.state).toBe('held');
    expect(hive.bots.isPaused('BEE-009')).toBe(true);
  });

  it('is recorded once, however often it is asked for', async () => {
    await hive.service.pause('BEE-009', 'test');
    await hive.service.pause('BEE-009', 'test');
    await hive.service.resume('BEE-009', 'test');
    await hive.service.resume('BEE-009', 'test');
    const types = hive.ledger.after(0, 100).map((e) => e.event_type);
    expect(types).toEqual(['bot_paused', 'bot_resumed']);
  });
});

describe('retry', () => {
  it('a blocked task retried with an edited summary: a new task that knows it is attempt 2 and why 1 failed', async () => {
    const first = await hive.service.run(runInput({ task_id: 'TASK-T1', kb_entities: ['repo:web'] }), {
      actor: 'test',
    });
    await claimAsBee(root(), 'TASK-T1', 'bee-a');
    await setStatusAsBee(root(), first.task_path, 'blocked');
    await writeResponse(root(), 'BEE-001-RESPONSE-TASK-T1.md', '# Task TASK-T1 failed\n\nThe tests did not run.');
    await eventually(() => hive.view.get('TASK-T1')?.completed_at);

    const retry = await hive.service.retry('TASK-T1', { summary: 'Write hello.py; run the tests with pytest' }, 'test');
    expect(retry).toMatchObject({ status: 'dispatched', retried_from: 'TASK-T1', attempt: 2, lane: 'terminal' });
    const file = JSON.parse(await readFile(path.join(root(), retry.task_path), 'utf8')) as Record<string, unknown>;
    expect(file).toMatchObject({
      title: 'Create hello.py',
      summary: 'Write hello.py; run the tests with pytest',
      kb_entities: ['repo:web'],
      retried_from: 'TASK-T1',
      attempt: 2,
      previous_outcome: {
        state: 'blocked',
        status: 'blocked',
        response_path: '.deia/hive/responses/BEE-001-RESPONSE-TASK-T1.md',
        response_preview: '# Task TASK-T1 failed\n\nThe tests did not run.',
      },
    });
    // Lineage both ways.
    expect(hive.view.get(retry.task_id)).toMatchObject({ retried_from: 'TASK-T1' });
    expect(hive.view.get('TASK-T1')).toMatchObject({ retried_by: retry.task_id });

    const third = await hive.service.retry(retry.task_id, {}, 'test').catch((e: unknown) => e);
    expect(third).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('is still waiting') });
  });

  it('refuses a task still at work, and an unknown one', async () => {
    await hive.service.run(runInput({ task_id: 'TASK-T2' }), { actor: 'test' });
    await expect(hive.service.retry('TASK-T2', {}, 'test')).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(hive.service.retry('TASK-NONE', {}, 'test')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('run-many', () => {
  it('dispatches 1,000 tasks in one commit, each once; bad items get errors naming their index and field', async () => {
    const items: unknown[] = Array.from({ length: 1000 }, (_, i) => ({
      intent: 'code',
      title: `batch ${i}`,
      summary: 's',
      task_id: `BATCH-${i}`,
    }));
    const bad = [3, 97, 250, 251, 400, 511, 640, 777, 888, 999];
    for (const [n, i] of bad.entries()) {
      items[i] = n % 2 ? { intent: 'code', summary: 's' } : { intent: 'code', title: 'x', summary: 7 };
    }
    items[500] = { intent: 'code', title: 'dup', summary: 's', task_id: 'BATCH-1' };
    const commits: number[] = [];
    hive.ledger.events.on('appended', (events: unknown[]) => commits.push(events.length));

    const { results } = await hive.service.runMany(items, 'test');
    const errors = results.flatMap((r, i) => (r.status === 'error' ? [{ i, r }] : []));
    expect(errors.map(({ i }) => i)).toEqual([...bad.slice(0, 5), 500, ...bad.slice(5)]);
    for (const { i, r } of errors) {
      if (r.status !== 'error') continue;
      expect(r.index).toBe(i);
      if (i === 500) expect(r.error).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('BATCH-1') });
      else expect(Object.keys(r.error.fields ?? {})).toEqual([bad.indexOf(i) % 2 ? 'title' : 'summary']);
    }
    const dispatched = results.filter((r) => r.status === 'dispatched');
    expect(dispatched).toHaveLength(989);
    expect(new Set(dispatched.map((r) => r.task_id)).size).toBe(989);
    expect(await inbox('BEE-001')).toHaveLength(989);
    // One commit for the whole batch: 989 × (started, routed, dispatched).
    expect(commits).toEqual([989 * 3]);
  });
});

describe('explain', () => {
  it('says which rule fires and, for every rule, whether it matched; nothing is dispatched', () => {
    expect(hive.service.explain('Planning')).toEqual({
      lane: 'llm',
      provider: 'default',
      delivery: 'cache_prompt',
      rule: 'design-planning',
      source: 'default',
      rules: [
        { name: 'design-planning', intents: ['design', 'planning'], matched: true },
        { name: 'code', intents: ['code'], matched: false },
      ],
    });
    expect(hive.service.explain('review')).toMatchObject({
      rule: 'fallback',
      rules: [{ matched: false }, { matched: false }],
    });
    expect(hive.ledger.lastId()).toBe(0);
  });
});
