/** The seed's three curl examples, run with the real curl against the production server. */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from '../support/fixtures';
import { answerAsBee, taskEvents } from '../support/hive-api';
import { responsePath, taskPathPattern } from '../support/store';

const run = promisify(execFile);

async function curl(args: string[]): Promise<any> {
  const { stdout } = await run('curl', ['-s', ...args]);
  return JSON.parse(stdout);
}

/** `curl -X POST URL -H "Content-Type: application/json" -d BODY`, as the README writes it. */
const curlPost = (url: string, body: string) =>
  curl(['-X', 'POST', url, '-H', 'Content-Type: application/json', '-d', body]);

test('dispatch, then status, then a wait that returns as soon as a bee responds', async ({
  server: shared,
  store,
  servers,
}) => {
  // A bee over HTTP claims the oldest task of its bot: on Postgres, a hive of its own holds only this test's.
  const server = store === 'postgres' ? await servers.start() : shared;
  const dispatched = await curlPost(
    `${server.url}/api/tasks/run`,
    '{"intent": "code", "title": "Create hello.py", "summary": "Write a hello world script"}',
  );
  expect(dispatched).toMatchObject({
    status: 'dispatched',
    bot_id: 'BEE-001',
    lane: 'terminal',
    provider: 'cli',
    delivery_mode: 'task_file',
  });
  expect(dispatched.task_id).toMatch(/^TASK-\d{14}-[0-9a-f]+$/);
  expect(dispatched.task_path).toMatch(taskPathPattern(store, 'BEE-001', dispatched.task_id));
  if (store === 'files') expect(existsSync(path.join(server.root, dispatched.task_path))).toBe(true);

  const pending = await curl([`${server.url}/api/tasks/status/${dispatched.task_id}`]);
  expect(pending).toMatchObject({ status: 'active', task: { task_id: dispatched.task_id, title: 'Create hello.py' } });

  const hello = `BEE-001-RESPONSE-${dispatched.task_id}-hello.md`;
  await answerAsBee(server, store, {
    taskId: dispatched.task_id,
    botId: 'BEE-001',
    file: hello,
    content: '# hello.py\nprint("hello")\n',
  });
  // `state` follows the ledger: it says completed once the completion is recorded.
  await expect
    .poll(async () => (await curl([`${server.url}/api/tasks/status/${dispatched.task_id}`])).state)
    .toBe('completed');
  const done = await curl([`${server.url}/api/tasks/status/${dispatched.task_id}`]);
  expect(done).toEqual({
    status: 'completed',
    state: 'completed',
    response_path: responsePath(store, 'BEE-001', dispatched.task_id, hello),
    content: '# hello.py\nprint("hello")\n',
  });

  // The third example waits; a separate write answers it after a moment.
  const waiting = curlPost(
    `${server.url}/api/tasks/run`,
    `{"intent": "code", "title": "Create hello.py", "summary": "Write a hello world script",
       "wait_for_response": true, "timeout_seconds": 60, "task_id": "TASK-WAIT-1"}`,
  );
  await expect.poll(async () => (await fetch(`${server.url}/api/tasks/status/TASK-WAIT-1`)).status).toBe(200);
  await answerAsBee(server, store, { taskId: 'TASK-WAIT-1', botId: 'BEE-001', content: 'waited for' });
  const answered = await waiting;
  expect(answered.response).toEqual({
    status: 'completed',
    response_path: responsePath(store, 'BEE-001', 'TASK-WAIT-1'),
    content: 'waited for',
  });

  // A bee over HTTP claims the task before it answers; the response file here comes with no claim.
  const ending = store === 'files' ? ['task_completed'] : ['task_claimed', 'task_completed'];
  const events = (await taskEvents(server, dispatched.task_id)).map((e) => e.event_type);
  expect(events.slice(0, 3 + ending.length)).toEqual([
    'task_execution_started',
    'task_routed',
    'task_dispatched',
    ...ending,
  ]);
});

test('a wait that nobody answers times out with a timeout response', async ({ server }) => {
  const reply = await curlPost(
    `${server.url}/api/tasks/run`,
    '{"intent": "design", "title": "t", "summary": "s", "wait_for_response": true, "timeout_seconds": 1, "task_id": "TASK-SILENT"}',
  );
  expect(reply).toMatchObject({
    status: 'dispatched',
    lane: 'llm',
    response: { status: 'timeout', task_id: 'TASK-SILENT' },
  });
  expect((await taskEvents(server, 'TASK-SILENT')).map((e) => e.event_type)).toContain('task_timeout');
});

test('a waiting client that hangs up frees its wait', async ({ server }) => {
  const controller = new AbortController();
  const waiting = fetch(`${server.url}/api/tasks/run`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ intent: 'code', title: 't', summary: 's', wait_for_response: true, timeout_seconds: 600 }),
    signal: controller.signal,
  }).catch(() => 'aborted');
  const waitingCount = async () =>
    ((await (await fetch(`${server.url}/api/health`)).json()) as { waiting: number }).waiting;
  await expect.poll(waitingCount).toBe(1);
  controller.abort();
  expect(await waiting).toBe('aborted');
  await expect.poll(waitingCount).toBe(0);
});
