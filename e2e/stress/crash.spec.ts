/** SIGKILL in the middle of a dispatch storm, three times on one hive: nothing acknowledged is lost, nothing is half-written, answers count once. */
import { link, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { startServer, tempHiveRoot, type ServerProcess } from '../../scripts/lib/server-process';
import { expect, test } from '../support/fixtures';
import { dropCompletionGuard, readLedger } from '../support/ledger';
import {
  eventsByTask,
  getJson,
  ledgerIntegrity,
  mapPool,
  removeIfPassed,
  scanHive,
  sleep,
  tryDispatch,
  writeResponse,
} from './stress-kit';

const CLIENTS = 64;
const KILL_AFTER_MS = [1_100, 1_500, 1_900];
/** Every n-th acknowledged task is answered at once, so completions and archiving are in flight at the kill. */
const ANSWER_LIVE_EVERY = 7;
/** Tasks per cycle answered while the server is down. */
const ANSWER_OFFLINE = 25;
const DISPATCH_EVENTS = ['task_execution_started', 'task_routed', 'task_dispatched'];

interface Storm {
  tried: number;
  acked: number;
  networkErrors: number;
  otherStatuses: number[];
}

/** CLIENTS loops dispatching back to back until the server is SIGKILLed after `killAfterMs`. */
async function stormThenKill(
  server: ServerProcess,
  killAfterMs: number,
  onAck: (taskId: string, taskPath: string) => void,
): Promise<Storm> {
  const storm: Storm = { tried: 0, acked: 0, networkErrors: 0, otherStatuses: [] };
  let stopped = false;
  const clients = Array.from({ length: CLIENTS }, async (_, c) => {
    for (let i = 0; !stopped && i < 10_000; i++) {
      storm.tried++;
      const reply = await tryDispatch(
        server.url,
        { intent: i % 3 ? 'code' : 'planning', title: `storm ${c}.${i}`, summary: `client ${c}, request ${i}` },
        30_000,
      );
      if (reply.status === 200 && typeof reply.body.task_id === 'string') {
        storm.acked++;
        onAck(reply.body.task_id, reply.body.task_path as string);
      } else if (reply.status === 0 || reply.status === 200) storm.networkErrors++;
      else storm.otherStatuses.push(reply.status);
    }
  });
  await sleep(killAfterMs);
  // On a loaded machine the first 200 may come later than that: the kill must land mid-storm, after one.
  for (const giveUp = Date.now() + 30_000; storm.acked === 0 && Date.now() < giveUp;) await sleep(20);
  const killed = server.stop('SIGKILL');
  stopped = true;
  await killed;
  await Promise.all(clients);
  return storm;
}

interface Books {
  /** task id → task_path of every 200. */
  acked: Map<string, string>;
  /** task id → the content of the response the test wrote for it. */
  answered: Map<string, string>;
}

/** The hive as a killed server left it: whole files, a sound ledger, every 200 on disk. Returns what a crash may leave. */
async function checkOnDisk(root: string, books: Books) {
  const scan = await scanHive(root);
  expect(scan.broken, 'no empty, partial or field-less task file').toEqual([]);
  expect(ledgerIntegrity(root)).toBe('ok');

  const ledger = readLedger(root);
  const byTask = eventsByTask(ledger);
  const dispatchedWithoutFile: string[] = [];
  const halfRecorded: string[] = [];
  for (const [taskId, types] of byTask) {
    const dispatchTypes = types.filter((t) => DISPATCH_EVENTS.includes(t));
    if (dispatchTypes.join() !== DISPATCH_EVENTS.join()) halfRecorded.push(`${taskId}: ${types.join(',')}`);
    if (types.includes('task_dispatched') && !scan.byId.has(taskId)) dispatchedWithoutFile.push(taskId);
  }
  expect(halfRecorded, 'a dispatch is recorded whole or not at all').toEqual([]);
  expect(dispatchedWithoutFile, 'every task_dispatched has its task file').toEqual([]);

  const lost = [...books.acked.keys()].filter(
    (id) => !scan.byId.has(id) || !byTask.get(id)?.includes('task_dispatched'),
  );
  expect(lost, 'every 200 is on disk and in the ledger').toEqual([]);

  const orphans = [...scan.byId.keys()].filter((id) => !byTask.has(id));
  expect(
    orphans.filter((id) => books.acked.has(id)),
    'a task file without ledger events never got a 200',
  ).toEqual([]);
  // A kill between the archive move's link(2) and unlink(2): completed, not yet recorded as archived.
  const halfMoved = scan.inBothPlaces.filter((id) => {
    const types = byTask.get(id) ?? [];
    return types.includes('task_completed') && !types.includes('task_archived');
  });
  return {
    orphans: orphans.length,
    tmpLeftovers: scan.tmpLeftovers,
    inBothPlaces: scan.inBothPlaces.length,
    halfMoved: halfMoved.length,
  };
}

/** After a restart: every 200 visible through status, every answer completed exactly once. */
async function checkRestarted(server: ServerProcess, books: Books) {
  const answered = [...books.answered.keys()];
  const completions = () => {
    const counts = new Map<string, number>();
    for (const e of readLedger(server.root)) {
      if (e.event_type === 'task_completed') counts.set(e.task_id!, (counts.get(e.task_id!) ?? 0) + 1);
    }
    return counts;
  };
  await expect
    .poll(
      () => {
        const counts = completions();
        return answered.filter((id) => counts.get(id) !== 1);
      },
      { message: 'each answered task has exactly one task_completed' },
    )
    .toEqual([]);
  expect(
    [...completions().keys()].filter((id) => !books.answered.has(id)),
    'no completion without an answer',
  ).toEqual([]);

  const wrong = await mapPool([...books.acked.keys()], 32, async (id) => {
    const { status, body } = await getJson(`${server.url}/api/tasks/status/${id}`);
    const content = books.answered.get(id);
    const ok =
      status === 200 &&
      (content === undefined
        ? body.status === 'active' && body.task?.task_id === id
        : body.status === 'completed' && body.content === content);
    return ok ? null : `${id}: ${status} ${JSON.stringify(body).slice(0, 160)}`;
  });
  expect(wrong.filter(Boolean), 'every 200 is visible through status after the restart').toEqual([]);
}

test('three SIGKILLs in the middle of a dispatch storm lose nothing that got a 200', async () => {
  test.setTimeout(180_000);
  const root = await tempHiveRoot('hive-crash-');
  const books: Books = { acked: new Map(), answered: new Map() };
  const answer = async (id: string) => {
    const content = `answer for ${id}`;
    books.answered.set(id, content);
    await writeResponse(root, `RESPONSE-${id}.md`, content);
  };
  const rows: string[] = [];
  let tried = 0;
  let passed = false;
  let server = await startServer({ root });
  // One completion per answer must come from the server's own check, not the unique index.
  dropCompletionGuard(root);
  try {
    for (const [cycle, killAfterMs] of KILL_AFTER_MS.entries()) {
      const liveAnswers: Promise<void>[] = [];
      const ackedBefore = books.acked.size;
      const storm = await stormThenKill(server, killAfterMs, (id, taskPath) => {
        books.acked.set(id, taskPath);
        if (books.acked.size % ANSWER_LIVE_EVERY === 0) liveAnswers.push(answer(id));
      });
      await Promise.all(liveAnswers);
      tried += storm.tried;
      expect(storm.otherStatuses, 'the server answers 200 or not at all').toEqual([]);
      // Otherwise "nothing acknowledged was lost" would hold for want of a kill that mattered.
      expect(storm.acked, `cycle ${cycle + 1}: requests acknowledged before the kill`).toBeGreaterThan(0);
      expect(storm.networkErrors, `cycle ${cycle + 1}: requests in flight at the kill`).toBeGreaterThan(0);

      const disk = await checkOnDisk(root, books);

      // Answers written while the server is down.
      const unanswered = [...books.acked.keys()].slice(ackedBefore).filter((id) => !books.answered.has(id));
      await Promise.all(unanswered.slice(0, ANSWER_OFFLINE).map(answer));

      rows.push(
        `cycle ${cycle + 1}: killed after ${killAfterMs} ms; ${storm.tried} tried, ${storm.acked} × 200, ` +
          `${storm.networkErrors} cut off by the kill; in the hive so far: ${disk.orphans} orphan task files ` +
          `(no 200, no events), ${disk.tmpLeftovers} tmp leftovers, ${disk.inBothPlaces} tasks in both tasks/ and archive/ ` +
          `(${disk.halfMoved} of them completed but not recorded as archived)`,
      );

      server = await startServer({ root });
      await checkRestarted(server, books);
    }

    // A second, orderly restart changes nothing: still exactly one completion per answer.
    await server.stop();
    server = await startServer({ root });
    await checkRestarted(server, books);
    await server.stop();
    expect(ledgerIntegrity(root)).toBe('ok');

    const figures = `${rows.join('\n')}\ntotal: ${tried} tried, ${books.acked.size} × 200, ${books.answered.size} answered, lost 0`;
    test.info().annotations.push({ type: 'figures', description: figures });
    console.log(`[crash]\n${figures}`);
    passed = test.info().errors.length === 0;
  } finally {
    await server.stop('SIGKILL');
    await removeIfPassed(root, passed);
  }
});

test('a crash between archiving’s link and unlink is finished at the next start', async () => {
  const root = await tempHiveRoot('hive-half-archived-');
  let passed = false;
  let server = await startServer({ root });
  try {
    const { status, body } = await tryDispatch(server.url, {
      intent: 'code',
      title: 'archived twice?',
      summary: 's',
      task_id: 'TASK-HALF-ARCHIVED',
    });
    expect(status).toBe(200);
    dropCompletionGuard(root);
    await server.stop();

    // What a SIGKILL between link(2) and unlink(2) in the archive move leaves: the answer
    // is in, and the task file has both names.
    await writeResponse(root, 'RESPONSE-TASK-HALF-ARCHIVED.md', 'done');
    const inbox = path.join(root, body.task_path as string);
    const archived = inbox.replace(`${path.sep}tasks${path.sep}`, `${path.sep}archive${path.sep}`);
    await mkdir(path.dirname(archived), { recursive: true });
    await link(inbox, archived);

    server = await startServer({ root });
    await expect
      .poll(async () => (await scanHive(root)).byId.get('TASK-HALF-ARCHIVED')?.map((f) => f.location))
      .toEqual(['archive']);
    expect(readLedger(root, 'TASK-HALF-ARCHIVED').filter((e) => e.event_type === 'task_completed')).toHaveLength(1);
    passed = true;
  } finally {
    await server.stop();
    await removeIfPassed(root, passed);
  }
});
