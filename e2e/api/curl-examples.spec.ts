/** The seed's three curl examples, run with the real curl against the production server. */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, test, writeResponse } from '../support/fixtures';
import { readLedger } from '../support/ledger';

const run = promisify(execFile);

async function curl(args: string[]): Promise<any> {
  const { stdout } = await run('curl', ['-s', ...args]);
  return JSON.parse(stdout);
}

/** `curl -X POST URL -H "Content-Type: application/json" -d BODY`, as the README writes it. */
const curlPost = (url: string, body: string) =>
  curl(['-X', 'POST', url, '-H', 'Content-Type: application/json', '-d', body]);

test('dispatch, then status, then a wait that returns as soon as a bee responds', async ({ server }) => {
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
  expect(dispatched.task_path).toMatch(/^\.deia\/hive\/tasks\/BEE-001\//);
  expect(existsSync(path.join(server.root, dispatched.task_path))).toBe(true);

  const pending = await curl([`${server.url}/api/tasks/status/${dispatched.task_id}`]);
  expect(pending).toMatchObject({ status: 'active', task: { task_id: dispatched.task_id, title: 'Create hello.py' } });

  await writeResponse(server.root, `BEE-001-RESPONSE-${dispatched.task_id}-hello.md`, '# hello.py\nprint("hello")\n');
  // `state` follows the ledger: it says completed once the completion is recorded.
  await expect
    .poll(async () => (await curl([`${server.url}/api/tasks/status/${dispatched.task_id}`])).state)
    .toBe('completed');
  const done = await curl([`${server.url}/api/tasks/status/${dispatched.task_id}`]);
  expect(done).toEqual({
    status: 'completed',
    state: 'completed',
    response_path: `.deia/hive/responses/BEE-001-RESPONSE-${dispatched.task_id}-hello.md`,
    content: '# hello.py\nprint("hello")\n',
  });

  // The third example waits; a separate write answers it after a moment.
  const waiting = curlPost(
    `${server.url}/api/tasks/run`,
    `{"intent": "code", "title": "Create hello.py", "summary": "Write a hello world script",
       "wait_for_response": true, "timeout_seconds": 60, "task_id": "TASK-WAIT-1"}`,
  );
  await expect.poll(async () => (await fetch(`${server.url}/api/tasks/status/TASK-WAIT-1`)).status).toBe(200);
  await writeResponse(server.root, 'BEE-001-RESPONSE-TASK-WAIT-1.md', 'waited for');
  const answered = await waiting;
  expect(answered.response).toEqual({
    status: 'completed',
    response_path: '.deia/hive/responses/BEE-001-RESPONSE-TASK-WAIT-1.md',
    content: 'waited for',
  });

  const events = readLedger(server.root, dispatched.task_id).map((e) => e.event_type);
  expect(events.slice(0, 4)).toEqual(['task_execution_started', 'task_routed', 'task_dispatched', 'task_completed']);
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
  expect(readLedger(server.root, 'TASK-SILENT').map((e) => e.event_type)).toContain('task_timeout');
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
