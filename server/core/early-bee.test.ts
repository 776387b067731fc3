/**
 * A bee faster than the ledger: a batch writes all its task files, then records them in one
 * commit, so a bee can claim and answer a task before its dispatch is recorded. What the bee
 * did still counts, once, and after the dispatch.
 */
import { afterEach, expect, it } from 'vitest';
import { claimAsBee, writeResponse } from '../../scripts/lib/hive-files';
import { eventually, openTempHive } from '../testing/temp-hive';
import { runInput } from '../testing/tasks';

let hive: Awaited<ReturnType<typeof openTempHive>>;
afterEach(() => hive.cleanup());

it('a task claimed and answered before its dispatch commit is recorded dispatched, claimed, completed: in that order, once each', async () => {
  hive = await openTempHive();
  const root = hive.paths.root;
  // The bee acts in the gap between the files and the commit, and the server notices it there.
  const commit = hive.ledger.appendAll.bind(hive.ledger);
  hive.ledger.appendAll = async (events) => {
    if (events.some((e) => e.event_type === 'task_dispatched' && e.task_id === 'TASK-FAST')) {
      expect(await claimAsBee(root, 'TASK-FAST', 'quick-bee')).toBe(true);
      await writeResponse(root, 'BEE-001-RESPONSE-TASK-FAST.md', 'done before it was recorded');
      await eventually(() => hive.responses.latestFor('TASK-FAST'));
      await new Promise((r) => setTimeout(r, 200));
    }
    return commit(events);
  };
  const result = await hive.service.runMany(
    [runInput({ task_id: 'TASK-SLOW' }), runInput({ task_id: 'TASK-FAST' })],
    'test',
  );
  expect(result.results).toHaveLength(2);

  await eventually(() => hive.view.get('TASK-FAST')?.state === 'completed');
  const types = hive.ledger.forTask('TASK-FAST').map((e) => e.event_type);
  expect(types.filter((t) => t !== 'task_archived')).toEqual([
    'task_execution_started',
    'task_routed',
    'task_dispatched',
    'task_claimed',
    'task_completed',
  ]);
  expect(hive.view.get('TASK-FAST')).toMatchObject({ claimed_by_bee: 'quick-bee', attempt: 1 });
  expect(hive.view.get('TASK-SLOW')?.state).toBe('waiting');
});
