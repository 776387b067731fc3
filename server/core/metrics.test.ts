/**
 * The completion latency histogram of the file store: a completion is observed as it is
 * recorded, and a restart (which replays nothing) starts the count afresh.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Claimed } from '../contracts/bee-protocol';
import { runInput } from '../testing/tasks';
import { openTempHive, tempRoot } from '../testing/temp-hive';

const open: Awaited<ReturnType<typeof openTempHive>>[] = [];
afterEach(async () => {
  for (const hive of open.splice(0)) await hive.cleanup();
});

async function completedLatencies(hive: Awaited<ReturnType<typeof openTempHive>>): Promise<number> {
  const line = (await hive.service.metrics())
    .split('\n')
    .find((l) => l.startsWith('hive_completion_latency_seconds_count '));
  return Number(line?.split(' ')[1]);
}

describe('completion latency in the file store', () => {
  it('counts a completion as it is recorded, and a restarted server counts from zero', async () => {
    const root = await tempRoot();
    const hive = await openTempHive({ root });
    await hive.service.run(runInput({ task_id: 'TASK-DONE', bot_id: 'BEE-001' }), { actor: 'test' });
    const claimed = (await hive.service.bees.claim('bee-1', { bots: ['BEE-001'], wait_seconds: 0 }, null)) as Claimed;
    await hive.service.bees.respond('TASK-DONE', { lease_token: claimed.lease_token, content: 'done' }, null);
    expect(await completedLatencies(hive)).toBe(1);
    await hive.close();

    const again = await openTempHive({ root });
    open.push(again);
    expect(await completedLatencies(again)).toBe(0);
  });
});
