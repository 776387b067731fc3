/** Every bad request gets a 4xx with a message naming the problem, and the hive stays exactly as it was. */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { dispatch, expect, snapshotState, status, test } from '../support/fixtures';

const run = promisify(execFile);

const valid = { intent: 'code', title: 'Create hello.py', summary: 'Write a hello world script' };

test.describe('POST /api/tasks/run refuses', () => {
  const cases: [string, unknown, number, RegExp][] = [
    ['malformed JSON', '{"intent": "code",', 400, /not valid JSON/],
    ['an empty body', '', 400, /empty/],
    ['a JSON array', '[]', 422, /JSON object/],
    ['a missing intent', { title: 't', summary: 's' }, 422, /intent is required/],
    ['a numeric title', { ...valid, title: 7 }, 422, /title must be a string/],
    ['"30" as timeout_seconds', { ...valid, timeout_seconds: '30' }, 422, /timeout_seconds/],
    ['1 as wait_for_response', { ...valid, wait_for_response: 1 }, 422, /wait_for_response must be true or false/],
    ['timeout_seconds 0', { ...valid, timeout_seconds: 0 }, 422, /between 1 and 3600/],
    ['timeout_seconds 3601', { ...valid, timeout_seconds: 3601 }, 422, /between 1 and 3600/],
    ['timeout_seconds 1.5', { ...valid, timeout_seconds: 1.5 }, 422, /whole number of seconds/],
    ['a task_id with a slash', { ...valid, task_id: 'a/b' }, 422, /task_id may contain only/],
    ['a task_id of ..', { ...valid, task_id: '..' }, 422, /task_id/],
    ['a task_id with NUL', { ...valid, task_id: 'a\u0000b' }, 422, /task_id/],
    ['a task_id with glob characters', { ...valid, task_id: 'TASK-*?' }, 422, /task_id/],
    ['an absurdly long task_id', { ...valid, task_id: 'T'.repeat(10_000) }, 422, /at most 128/],
    ['a bot_id that climbs out', { ...valid, bot_id: '../../etc' }, 422, /bot_id/],
    ['kb_entities that are not strings', { ...valid, kb_entities: [1] }, 422, /kb_entity/],
    ['an unknown field', { ...valid, wait_for_respons: true }, 422, /Unrecognized key/],
  ];

  for (const [what, body, code, message] of cases) {
    test(what, async ({ server, store }) => {
      const before = await snapshotState(server, store);
      const reply = await dispatch(server, body);
      expect(reply.status).toBe(code);
      expect(reply.body).toMatchObject({ status: 'error', error: { message: expect.stringMatching(message) } });
      expect(await snapshotState(server, store)).toEqual(before);
    });
  }

  test('field errors name each offending field', async ({ server }) => {
    const reply = await dispatch(server, { title: '', timeout_seconds: 'x' });
    expect(reply.status).toBe(422);
    expect(Object.keys(reply.body.error.fields).sort()).toEqual(['intent', 'summary', 'timeout_seconds', 'title']);
  });

  test('a body over 1 MiB', async ({ server, store }) => {
    const before = await snapshotState(server, store);
    const reply = await dispatch(server, { ...valid, summary: 'x'.repeat(1024 * 1024 + 1) });
    expect(reply.status).toBe(413);
    expect(reply.body.error.message).toMatch(/larger than 1048576 bytes/);
    expect(await snapshotState(server, store)).toEqual(before);
  });

  test('a body over 1 MiB sent with curl: curl reads the 413', async ({ server }) => {
    const file = path.join(server.root, 'big-task.json');
    await writeFile(file, JSON.stringify({ ...valid, summary: 'x'.repeat(2 * 1024 * 1024) }));
    const { stdout } = await run('curl', [
      '-s',
      '-w',
      '\n%{http_code}',
      '-X',
      'POST',
      `${server.url}/api/tasks/run`,
      '-H',
      'Content-Type: application/json',
      '--data-binary',
      `@${file}`,
    ]);
    const [body = '', code] = stdout.split(/\n(?=\d+$)/);
    expect(code).toBe('413');
    expect(JSON.parse(body)).toMatchObject({ status: 'error', error: { code: 'PAYLOAD_TOO_LARGE' } });
  });

  test('a second dispatch with an existing task_id', async ({ server, store }) => {
    expect((await dispatch(server, { ...valid, task_id: 'TASK-DUP' })).status).toBe(200);
    const before = await snapshotState(server, store);
    const reply = await dispatch(server, { ...valid, task_id: 'TASK-DUP', title: 'another' });
    expect(reply.status).toBe(409);
    expect(reply.body.error.message).toMatch(/task_id "TASK-DUP" already exists/);
    expect(await snapshotState(server, store)).toEqual(before);
  });
});

test.describe('browser safety', () => {
  test('refuses a body that is not declared as JSON (a cross-site form post)', async ({ server }) => {
    const res = await fetch(`${server.url}/api/tasks/run`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify(valid),
    });
    expect(res.status).toBe(415);
    expect((await res.json()).error.message).toMatch(/Content-Type: application\/json/);
  });

  test('refuses a cross-site Origin', async ({ server }) => {
    const reply = await dispatch(server, valid, { origin: 'https://evil.example' });
    expect(reply.status).toBe(403);
    expect(reply.body.error.message).toMatch(/origin https:\/\/evil.example/);
  });

  test('accepts its own origin', async ({ server }) => {
    expect((await dispatch(server, valid, { origin: server.url })).status).toBe(200);
  });

  test('refuses a Host it does not answer to (DNS rebinding)', async ({ server }) => {
    const { request } = await import('node:http');
    const code = await new Promise<number>((resolve, reject) => {
      const req = request(
        `${server.url}/api/tasks/status/TASK-1`,
        { headers: { host: 'rebound.evil.example' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(code).toBe(421);
  });

  test('sends no permissive CORS headers', async ({ server }) => {
    const res = await fetch(`${server.url}/api/tasks/run`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});

test.describe('GET /api/tasks/status refuses ids that cannot be ids', () => {
  for (const id of ['..%2F..%2Fetc', 'a*b', '%00', 'T'.repeat(200), '.hidden']) {
    test(id.slice(0, 20), async ({ server }) => {
      const reply = await status(server, id);
      expect(reply.status).toBe(422);
      expect(reply.body.error.message).toMatch(/task_id/);
    });
  }

  test('and says not_found for an unknown one', async ({ server }) => {
    expect(await status(server, 'TASK-NOPE')).toEqual({
      status: 404,
      body: { status: 'not_found', task_id: 'TASK-NOPE' },
    });
  });
});
