/** 200 dispatches at once: every one answered, every id distinct, every task stored (its file on disk, on files). */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { dispatch, expect, status, test } from '../support/fixtures';
import { health, ledgerEvents } from '../support/hive-api';

test('200 concurrent dispatches lose nothing', async ({ server, store }) => {
  const mark = (await health(server)).ledger_last_id;
  const replies = await Promise.all(
    Array.from({ length: 200 }, (_, i) =>
      dispatch(server, { intent: i % 2 ? 'code' : 'design', title: `t${i}`, summary: 's' }),
    ),
  );
  expect(replies.map((r) => r.status)).toEqual(Array(200).fill(200));
  const ids = replies.map((r) => r.body.task_id as string);
  expect(new Set(ids).size).toBe(200);
  if (store === 'files') {
    for (const reply of replies) expect(existsSync(path.join(server.root, reply.body.task_path))).toBe(true);
  } else {
    for (const reply of replies) expect(reply.body.task_path).toBe(`postgres:tasks/${reply.body.task_id}`);
    const states = await Promise.all(ids.map(async (id) => (await status(server, id)).body.state));
    expect(states).toEqual(Array(200).fill('waiting'));
  }

  const dispatchedIds = new Set(
    (await ledgerEvents(server, mark)).filter((e) => e.event_type === 'task_dispatched').map((e) => e.task_id),
  );
  for (const id of ids) expect(dispatchedIds.has(id)).toBe(true);
});
