/** Bulk actions, the stuck filter and export (DESIGN §7), against a real hive. */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { claimAsBee, writePresence } from '../../../scripts/lib/hive-files';
import { eventually, openTempHive } from '../../testing/temp-hive';
import { runInput } from '../../testing/tasks';
import { csvCell } from './export';

let hive: Awaited<ReturnType<typeof openTempHive>>;
beforeEach(async () => (hive = await openTempHive({ presenceCheckMs: 50 })));
afterEach(() => hive.cleanup());

const batch = (n: number, bot_id: string, prefix: string) =>
  hive.service.runMany(
    Array.from({ length: n }, (_, i) => ({
      intent: 'code',
      title: `${prefix} ${i}`,
      summary: 's',
      bot_id,
      task_id: `${prefix}-${i}`,
    })),
    'test',
  );

async function collect(chunks: AsyncGenerator<string>): Promise<string> {
  let text = '';
  for await (const chunk of chunks) text += chunk;
  return text;
}

describe('bulk', () => {
  it('cancels every waiting task of a filter; the set is fixed when it starts, and progress counts to the end', async () => {
    await batch(120, 'BEE-002', 'BULK');
    await batch(5, 'BEE-003', 'OTHER');
    const dry = await hive.service.bulk(
      { action: 'cancel', filter: { bot_id: 'BEE-002', state: 'waiting' }, dry_run: true },
      'test',
    );
    expect(dry).toEqual({ bulk_id: null, matched: 120, dry_run: true });
    expect(hive.ledger.after(0, 10_000).some((e) => e.event_type === 'bulk_started')).toBe(false);

    const { bulk_id, matched } = await hive.service.bulk(
      { action: 'cancel', filter: { bot_id: 'BEE-002', state: 'waiting' }, dry_run: false, reason: 'wrong repo' },
      'test',
    );
    expect(matched).toBe(120);
    // Dispatched after the start: not in the set.
    await hive.service.run(runInput({ task_id: 'BULK-LATE', bot_id: 'BEE-002' }), { actor: 'test' });
    const done = await eventually(() => {
      const status = hive.service.bulkStatus(bulk_id!);
      return status.state === 'finished' ? status : null;
    }, 20_000);
    expect(done).toMatchObject({ matched: 120, done: 120, failed: 0, errors: [] });
    expect(await hive.service.count({ bot_id: 'BEE-002', state: 'cancelled' })).toBe(120);
    expect(hive.view.get('BULK-LATE')?.state).toBe('waiting');
    expect(hive.view.get('OTHER-0')?.state).toBe('waiting');
    expect((await readdir(path.join(hive.paths.tasks, 'BEE-002'))).map((f) => f.replace(/^\d+T\d+Z-/, ''))).toEqual([
      'BULK-LATE.json',
    ]);
    const cancelled = hive.ledger.forTask('BULK-7').at(-2);
    expect(cancelled).toMatchObject({ event_type: 'task_cancelled', actor: `bulk:${bulk_id}` });
    const events = hive.ledger
      .after(0, 10_000)
      .filter((e) => e.task_id === null)
      .map((e) => [e.event_type, e.data]);
    expect(events).toEqual([
      ['bulk_started', expect.objectContaining({ bulk_id, action: 'cancel', matched: 120 })],
      ['bulk_finished', { bulk_id, state: 'finished', matched: 120, done: 120, failed: 0 }],
    ]);
  });

  it('counts the tasks an action cannot apply to as failed, with the reason, and carries on', async () => {
    await batch(3, 'BEE-001', 'MIX');
    await hive.service.cancel('MIX-1', {}, 'test');
    const { bulk_id } = await hive.service.bulk(
      { action: 'cancel', ids: ['MIX-0', 'MIX-1', 'MIX-2', 'NOPE'], dry_run: false },
      'test',
    );
    const done = await eventually(() => {
      const status = hive.service.bulkStatus(bulk_id!);
      return status.state === 'finished' ? status : null;
    });
    expect(done).toMatchObject({ matched: 4, done: 2, failed: 2 });
    expect(done.errors.map((e) => [e.task_id, e.code]).sort()).toEqual([
      ['MIX-1', 'CONFLICT'],
      ['NOPE', 'NOT_FOUND'],
    ]);
  });

  it('after a restart, a job is told from the ledger', async () => {
    await batch(2, 'BEE-001', 'R');
    const { bulk_id } = await hive.service.bulk({ action: 'cancel', filter: {}, dry_run: false }, 'test');
    await eventually(() => hive.service.bulkStatus(bulk_id!).state === 'finished');
    const root = hive.paths.root;
    await hive.close();
    hive = await openTempHive({ root });
    expect(hive.service.bulkStatus(bulk_id!)).toMatchObject({ state: 'finished', matched: 2, done: 2, failed: 0 });
    expect(() => hive.service.bulkStatus('BULK-00000000-0000-0000-0000-000000000000')).toThrow(/No bulk action/);
  });
});

describe('the stuck filter', () => {
  it('lists tasks waiting for a bot nobody serves and claims whose bee is gone, not healthy ones', async () => {
    await writePresence(hive.paths.root, 'bee-a', ['BEE-001']);
    await eventually(() => hive.presence.isLive('bee-a'));
    await batch(2, 'BEE-001', 'SERVED');
    await batch(2, 'BEE-404', 'UNSERVED');
    await claimAsBee(hive.paths.root, 'SERVED-0', 'bee-a');
    await claimAsBee(hive.paths.root, 'SERVED-1', 'bee-gone');
    await eventually(
      () => hive.view.get('SERVED-1')?.claimed_by_bee === 'bee-gone' && hive.view.get('SERVED-0')?.claimed_by,
    );
    const stuck = (await hive.service.list({ stuck: true, limit: 50 })).items.map((r) => r.task_id);
    expect(stuck.sort()).toEqual(['SERVED-1', 'UNSERVED-0', 'UNSERVED-1']);
    expect(await hive.service.count({ stuck: true })).toBe(3);
  });
});

describe('export', () => {
  it('writes CSV a spreadsheet opens as it is: a header, RFC 4180 quoting, no formulas', async () => {
    await hive.service.run(runInput({ task_id: 'CSV-1', title: 'Fix "quotes", commas\nand lines' }), { actor: 'test' });
    await hive.service.run(runInput({ task_id: 'CSV-2', title: '=HYPERLINK("evil")' }), { actor: 'test' });
    const csv = await collect(hive.service.exportTasks({ format: 'csv' }));
    const [header, ...rest] = csv.split('\r\n');
    expect(header!.split(',').slice(0, 5)).toEqual(['task_id', 'bot_id', 'intent', 'title', 'state']);
    expect(rest.join('\r\n')).toContain('CSV-1,BEE-001,code,"Fix ""quotes"", commas\nand lines",waiting');
    expect(rest.join('\r\n')).toContain(`CSV-2,BEE-001,code,"'=HYPERLINK(""evil"")",waiting`);
    expect(csvCell(null)).toBe('');
    expect(csvCell(3)).toBe('3');
  });

  it('streams every matching row a page at a time, as JSON, NDJSON or CSV', async () => {
    await batch(1001, 'BEE-001', 'EXP');
    await batch(3, 'BEE-002', 'SKIP');
    const json = JSON.parse(await collect(hive.service.exportTasks({ format: 'json', bot_id: 'BEE-001' }))) as {
      task_id: string;
    }[];
    expect(json).toHaveLength(1001);
    expect(new Set(json.map((r) => r.task_id)).size).toBe(1001);
    const chunks: string[] = [];
    for await (const chunk of hive.service.exportTasks({ format: 'ndjson', bot_id: 'BEE-001' })) chunks.push(chunk);
    expect(chunks.length).toBeGreaterThan(2);
    expect(chunks.join('').trim().split('\n')).toHaveLength(1001);
    expect(JSON.parse(await collect(hive.service.exportTasks({ format: 'json', bot_id: 'BEE-999' })))).toEqual([]);
  });
});
