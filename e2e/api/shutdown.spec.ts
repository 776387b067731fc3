/** SIGTERM: waits held open end at once with 503 SHUTTING_DOWN (REST and tRPC), dispatches in flight finish, and every 200 stays true. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { TRPCClientError } from '@trpc/client';
import { createHiveClient } from '../../scripts/cli/client';
import { taskFilesOf, tryDispatch, type Reply } from '../stress/stress-kit';
import { expect, status, test } from '../support/fixtures';
import { ledgerEvents, taskEvents } from '../support/hive-api';
import { readLedger } from '../support/ledger';

const DISPATCH_EVENTS = ['task_execution_started', 'task_routed', 'task_dispatched'];
const hello = { intent: 'code', title: 'Create hello.py', summary: 'Write a hello world script' };

const waiting = async (url: string) =>
  ((await (await fetch(`${url}/api/health`)).json()) as { waiting: number }).waiting;

test('held waits end at once with 503 SHUTTING_DOWN over REST and tRPC, and their tasks stay dispatched', async ({
  store,
  servers,
}) => {
  const server = await servers.start();
  const restIds = ['TASK-HELD-1', 'TASK-HELD-2', 'TASK-HELD-3'];
  const rest = restIds.map((task_id) =>
    tryDispatch(server.url, { ...hello, task_id, wait_for_response: true, timeout_seconds: 600 }),
  );
  const trpc = createHiveClient(server.url)
    .tasks.run.mutate({ ...hello, task_id: 'TASK-HELD-TRPC', wait_for_response: true, timeout_seconds: 600 })
    .then(
      (result) => ({ result }),
      (error: unknown) => ({ error }),
    );
  await expect.poll(() => waiting(server.url)).toBe(4);

  const stopping = server.stop('SIGTERM');

  for (const [i, reply] of (await Promise.all(rest)).entries()) {
    expect(reply, server.output()).toMatchObject({
      status: 503,
      body: {
        status: 'error',
        error: { code: 'SHUTTING_DOWN', message: expect.stringContaining(`task ${restIds[i]} stays dispatched`) },
      },
    });
  }
  const overTrpc = await trpc;
  expect(overTrpc).toMatchObject({ error: expect.any(TRPCClientError) });
  const error = (overTrpc as { error: TRPCClientError<any> }).error;
  expect(error.data).toMatchObject({ code: 'SERVICE_UNAVAILABLE', httpStatus: 503 });
  expect(error.message).toContain('task TASK-HELD-TRPC stays dispatched');
  await stopping;
  // The hive's own shutdown ran to its end: exit 0, not Next's 143 for a SIGTERM it handled first.
  expect(server.child.exitCode, server.output()).toBe(0);

  // Nothing was lost: each is on disk and recorded as dispatched, and none timed out.
  if (store === 'files') {
    for (const taskId of [...restIds, 'TASK-HELD-TRPC']) {
      expect(taskFilesOf(server.root, taskId), taskId).toHaveLength(1);
      expect(readLedger(server.root, taskId).map((e) => e.event_type)).toEqual(DISPATCH_EVENTS);
    }
  }
  const again = await servers.start({ root: server.root });
  expect(await status(again, 'TASK-HELD-TRPC')).toMatchObject({ status: 200, body: { status: 'active' } });
  for (const taskId of [...restIds, 'TASK-HELD-TRPC']) {
    expect(
      (await taskEvents(again, taskId)).map((e) => e.event_type),
      taskId,
    ).toEqual(DISPATCH_EVENTS);
  }
});

test('dispatches in flight at SIGTERM finish: every 200 is on disk and in the ledger, nothing else half-happens', async ({
  store,
  servers,
}) => {
  const server = await servers.start();
  let signalled = false;
  let acked = 0;
  let onAck: () => void = () => undefined;
  const enoughAcked = new Promise<void>((resolve) => (onAck = () => ++acked === 30 && resolve()));
  const replies: { taskId: string; sentBeforeSignal: boolean; answeredAfterSignal: boolean; reply: Reply }[] = [];

  // 16 clients dispatching back to back; each sends one more request after the signal, then stops.
  const clients = Array.from({ length: 16 }, async (_, c) => {
    for (let i = 0; ; i++) {
      const taskId = `TASK-STORM-${c}-${i}`;
      const sentBeforeSignal = !signalled;
      const reply = await tryDispatch(server.url, { ...hello, task_id: taskId }, 30_000);
      replies.push({ taskId, sentBeforeSignal, answeredAfterSignal: signalled, reply });
      if (reply.status === 200) onAck();
      if (!sentBeforeSignal || reply.status !== 200) return;
    }
  });
  await enoughAcked;
  signalled = true;
  await server.stop('SIGTERM');
  expect(server.child.exitCode, server.output()).toBe(0);
  await Promise.all(clients);

  const outcome = ({ status: code, body }: Reply) =>
    code === 200 ? 'dispatched' : code === 0 ? 'no reply' : `${code} ${body.error?.code ?? JSON.stringify(body)}`;
  // A request either got its 200, or a 503 SHUTTING_DOWN, or never reached a server that had stopped listening.
  const unexpected = replies.filter(
    ({ reply }) => !['dispatched', 'no reply', '503 SHUTTING_DOWN'].includes(outcome(reply)),
  );
  expect(
    unexpected.map((r) => `${r.taskId}: ${outcome(r.reply)}`),
    server.output(),
  ).toEqual([]);

  // On files, the hive and the ledger as the stopped server left them; on Postgres, the database, read
  // through a server started on it: a task is stored when its status is found.
  const reader = store === 'files' ? null : await servers.start({ root: server.root });
  const ledger = reader
    ? await ledgerEvents(reader)
    : readLedger(server.root).map((e) => ({ task_id: e.task_id, event_type: e.event_type }));
  const found = new Set<string>();
  if (reader) {
    for (const { taskId } of replies) if ((await status(reader, taskId)).status === 200) found.add(taskId);
  }
  const stored = (taskId: string) => (reader ? (found.has(taskId) ? [taskId] : []) : taskFilesOf(server.root, taskId));
  for (const { taskId, reply } of replies) {
    const events = ledger.filter((e) => e.task_id === taskId).map((e) => e.event_type);
    if (reply.status === 200) {
      if (store === 'files') expect(existsSync(path.join(server.root, reply.body.task_path)), taskId).toBe(true);
      expect(events, taskId).toEqual(DISPATCH_EVENTS);
    } else if (reply.status === 503) {
      expect({ taskId, files: stored(taskId), events }).toEqual({ taskId, files: [], events: [] });
    } else {
      // No reply: whatever reached the server happened whole or not at all.
      const files = stored(taskId).length;
      expect({ taskId, files, events }).toEqual({ taskId, files, events: files ? DISPATCH_EVENTS : [] });
    }
  }
  // The storm straddled the signal: dispatches sent before it were still being answered, with 200s, after it.
  const inFlight = replies.filter((r) => r.sentBeforeSignal && r.answeredAfterSignal && r.reply.status === 200);
  expect(inFlight.length).toBeGreaterThan(0);
});
