/** HIVE_MAX_WAITERS=50 and 60 waits opened at once: exactly 10 are refused with 429, nothing is written for them, the other 50 are answered. */
import { startServer } from '../../scripts/lib/server-process';
import { expect, test } from '../support/fixtures';
import { readLedger } from '../support/ledger';
import { countBy, getJson, removeIfPassed, taskFilesOf, tryDispatch, writeResponse, type Reply } from './stress-kit';

const LIMIT = 50;
const OPENED = 60;

test(`waits beyond HIVE_MAX_WAITERS are refused with 429 and leave nothing behind`, async () => {
  const server = await startServer({ env: { HIVE_MAX_WAITERS: String(LIMIT) } });
  let passed = false;
  try {
    const ids = Array.from({ length: OPENED }, (_, i) => `LIMIT-${String(i).padStart(2, '0')}`);
    const settled = new Map<string, Reply>();
    const waits = ids.map((task_id) =>
      tryDispatch(server.url, {
        intent: 'code',
        title: `wait ${task_id}`,
        summary: 'held until the test answers',
        task_id,
        bot_id: 'BEE-LIMIT',
        wait_for_response: true,
        timeout_seconds: 60,
      }).then((reply) => {
        settled.set(task_id, reply);
        return reply;
      }),
    );

    // The refused come back at once; the admitted are held.
    await expect.poll(async () => (await getJson(`${server.url}/api/health`)).body.waiting).toBe(LIMIT);
    await expect.poll(() => settled.size).toBe(OPENED - LIMIT);
    const refused = [...settled.keys()];
    for (const id of refused) {
      expect(settled.get(id), id).toMatchObject({
        status: 429,
        body: {
          status: 'error',
          error: { code: 'TOO_MANY_WAITERS', message: expect.stringContaining(String(LIMIT)) },
        },
      });
    }

    const admitted = ids.filter((id) => !settled.has(id));
    await Promise.all(admitted.map((id) => writeResponse(server.root, `RESPONSE-${id}.md`, `answer for ${id}`)));
    const replies = await Promise.all(waits);
    expect(countBy(replies, (r) => r.status)).toEqual({ 200: LIMIT, 429: OPENED - LIMIT });
    for (const id of admitted) {
      expect(settled.get(id), id).toMatchObject({
        status: 200,
        body: { status: 'dispatched', task_id: id, response: { status: 'completed', content: `answer for ${id}` } },
      });
    }

    const writtenForRefused = refused
      .map((id) => ({ id, files: taskFilesOf(server.root, id), events: readLedger(server.root, id).length }))
      .filter((r) => r.files.length > 0 || r.events > 0);
    expect(writtenForRefused, 'a 429 must mean the task was not dispatched').toEqual([]);
    const types = countBy(readLedger(server.root), (e) => e.event_type);
    expect(types.task_dispatched).toBe(LIMIT);
    passed = true;
  } finally {
    await server.stop();
    await removeIfPassed(server.root, passed);
  }
});
