/** 200 dispatches at once: every one answered, every id distinct, every task file on disk. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { dispatch, expect, test } from '../support/fixtures';
import { readLedger } from '../support/ledger';

test('200 concurrent dispatches lose nothing', async ({ server }) => {
  const replies = await Promise.all(
    Array.from({ length: 200 }, (_, i) =>
      dispatch(server, { intent: i % 2 ? 'code' : 'design', title: `t${i}`, summary: 's' }),
    ),
  );
  expect(replies.map((r) => r.status)).toEqual(Array(200).fill(200));
  const ids = replies.map((r) => r.body.task_id as string);
  expect(new Set(ids).size).toBe(200);
  for (const reply of replies) expect(existsSync(path.join(server.root, reply.body.task_path))).toBe(true);

  const dispatchedIds = new Set(
    readLedger(server.root)
      .filter((e) => e.event_type === 'task_dispatched')
      .map((e) => e.task_id),
  );
  for (const id of ids) expect(dispatchedIds.has(id)).toBe(true);
});
