/** Files others write (bees, people) — corrupt, vanishing, misplaced, symlinked out of the root, huge: never a 5xx, a leak, a stall or a flood of log lines. */
import { execFileSync } from 'node:child_process';
import { constants } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  countOccurrences,
  eventually,
  expect,
  expectCleanJson,
  bytesReadBy,
  rescansPass,
  send,
  sleep,
  startHostileHive,
  test,
  trpcInput,
  type HostileHive,
  type Reply,
} from './support';

// Every test here puts files in the hive (.deia/hive, routing.json) the way bees and people do.
test.skip(({ store }) => store === 'postgres', 'files others write into the hive: on Postgres bees write no files');

const MiB = 1024 * 1024;
const PLAIN = { intent: 'code', title: 'Create hello.py', summary: 'Write a hello world script' };

interface Dispatched {
  task_id: string;
  bot_id: string;
  task_path: string;
}

async function dispatch(hive: HostileHive, task: Record<string, unknown>): Promise<Dispatched> {
  const text = JSON.stringify({ ...PLAIN, ...task });
  const reply = await send(hive.server, {
    method: 'POST',
    path: '/api/tasks/run',
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) },
    body: text,
  });
  const json = expectCleanJson(reply, `dispatch ${text}`);
  expect(reply.status, JSON.stringify(json)).toBe(200);
  return json as Dispatched;
}

const hivePath = (hive: HostileHive, ...parts: string[]) => path.join(hive.sandbox.root, '.deia', 'hive', ...parts);

/** How a careful bee writes: the whole file in tmp/, then renamed into place. */
async function beeWrites(hive: HostileHive, target: string, content: string | Buffer): Promise<void> {
  const tmp = hivePath(hive, 'tmp', `bee-${process.pid}-${Math.random().toString(16).slice(2)}.part`);
  await writeFile(tmp, content);
  await rename(tmp, target);
}

/** A positive control for negative checks: a real claim, once recorded, shows the watcher has caught up with what came before it. */
async function claimAndWait(hive: HostileHive, taskId: string): Promise<void> {
  await writeFile(hivePath(hive, 'claims', taskId), JSON.stringify({ bot_id: 'BEE-001' }), { flag: 'wx' });
  await eventually(
    async () => (await everyView(hive, taskId)).detail.body.row?.claimed_by === 'BEE-001',
    5_000,
    `the control claim of ${taskId} to be recorded`,
  );
}

/** A symlink put in place atomically, the way a bee could swap one over an existing file. */
async function beeLinks(hive: HostileHive, target: string, at: string): Promise<void> {
  const tmp = hivePath(hive, 'tmp', `link-${process.pid}-${Math.random().toString(16).slice(2)}`);
  await symlink(target, tmp);
  await rename(tmp, at);
}

async function get(hive: HostileHive, requestPath: string): Promise<{ reply: Reply; json: Record<string, any> }> {
  const reply = await send(hive.server, { path: requestPath });
  const json = expectCleanJson(reply, `GET ${requestPath}`);
  // Not the secret, and not even its first ten characters (the start of a file is what error messages quote).
  expect(reply.text, `GET ${requestPath} shows nothing from outside the root`).not.toContain(
    hive.sandbox.secret.slice(0, 10),
  );
  return { reply, json };
}

/** Everything the operator can see of a task (REST status, tRPC status, detail, the list, health), each checked clean. */
async function everyView(hive: HostileHive, taskId: string) {
  const rest = await get(hive, `/api/tasks/status/${taskId}`);
  const status = await get(hive, `/api/trpc/tasks.status${trpcInput({ task_id: taskId })}`);
  const detail = await get(hive, `/api/trpc/tasks.detail${trpcInput({ task_id: taskId })}`);
  const timeline = await get(hive, `/api/trpc/tasks.timeline${trpcInput({ task_id: taskId })}`);
  const search = await get(hive, `/api/trpc/tasks.list${trpcInput({ search: taskId })}`);
  const list = await get(hive, `/api/trpc/tasks.list${trpcInput({ limit: 200 })}`);
  const health = await get(hive, '/api/health');
  expect(health.reply.status).toBe(200);
  expect(timeline.reply.status).toBe(200);
  return {
    rest: { status: rest.reply.status, body: rest.json },
    status: { status: status.reply.status, body: status.json.result?.data },
    detail: { status: detail.reply.status, body: detail.json.result?.data ?? detail.json },
    found: (search.json.result.data.items as { task_id: string }[]).map((item) => item.task_id),
    listed: (list.json.result.data.items as { task_id: string }[]).map((item) => item.task_id),
  };
}

const fileName = (dispatched: Dispatched) => path.basename(dispatched.task_path);
const taskFile = (hive: HostileHive, dispatched: Dispatched) => path.join(hive.sandbox.root, dispatched.task_path);

test.describe('task files a bee wrote badly', () => {
  const corruptions: [string, (original: string) => string | Buffer, RegExp][] = [
    ['corrupt JSON', () => '{"task_id": "x", status: in_progress}', /not valid JSON/],
    ['a truncated file', (original) => original.slice(0, Math.floor(original.length / 2)), /not valid JSON/],
    ['an empty file', () => '', /not valid JSON/],
    ['binary garbage with NULs', () => Buffer.from([0x00, 0xff, 0x7b, 0x00, 0x22, 0xfe, 0x0a]), /not valid JSON/],
    ['JSON that is not a task', () => '{"status": 7, "task_id": ["x"]}', /not a task/],
    [
      'a task file over 24 MiB',
      (original) => JSON.stringify({ ...JSON.parse(original), summary: 'x'.repeat(25 * MiB) }),
      /larger than 25165824 bytes/,
    ],
  ];

  corruptions.forEach(([what, corrupt, reason], i) => {
    test(`${what}: status is "unreadable" with a warning, detail carries it, the list keeps the task, the log says it once`, async ({
      hive,
    }) => {
      const task = await dispatch(hive, { task_id: `CORRUPT-${i}` });
      const file = taskFile(hive, task);
      const original = await readFile(file, 'utf8');
      await beeWrites(hive, file, corrupt(original));
      const logLine = `tasks/BEE-001/${fileName(task)} is `;
      await eventually(() => countOccurrences(hive.server.output(), logLine) > 0, 5_000, `the log line "${logLine}…"`);

      for (let read = 0; read < 20; read++) {
        const view = await everyView(hive, task.task_id);
        expect(view.rest).toEqual({
          status: 200,
          body: {
            status: 'unreadable',
            state: 'waiting',
            task_id: task.task_id,
            task_path: task.task_path,
            warning: expect.stringMatching(reason),
          },
        });
        expect(view.status).toEqual(view.rest);
        expect(view.detail.status).toBe(200);
        expect(view.detail.body).toMatchObject({
          task_id: task.task_id,
          task: null,
          task_warning: expect.stringMatching(reason),
        });
        expect(view.detail.body.row).toMatchObject({ task_id: task.task_id });
        expect(view.found).toContain(task.task_id);
      }
      await rescansPass(hive);
      expect(countOccurrences(hive.server.output(), logLine), 'log lines about the corrupt file').toBe(1);

      // Once the bee writes it properly again, the task reads as usual.
      await beeWrites(hive, file, JSON.stringify({ ...JSON.parse(original), status: 'in_progress' }));
      const after = await get(hive, `/api/tasks/status/${task.task_id}`);
      expect(after.json).toMatchObject({ status: 'in_progress', task: { task_id: task.task_id } });
    });
  });
});

test.describe('files that vanish between listing and reading', () => {
  test('task files, bot folders and responses appearing and vanishing while the API is read never fail a request', async ({
    hive,
  }) => {
    const tasks = await Promise.all(Array.from({ length: 8 }, (_, i) => dispatch(hive, { task_id: `CHURN-${i}` })));
    const logBefore = hive.server.output().length;
    const stopAt = Date.now() + 3_000;
    const foreign = (n: number) => `20260101T000000${String(n % 1000).padStart(3, '0')}Z-GHOST-${n}.json`;

    const churnTasks = async () => {
      for (let n = 0; Date.now() < stopAt; n++) {
        const dir = hivePath(hive, 'tasks', `BEE-GHOST-${n % 3}`);
        await mkdir(dir, { recursive: true });
        const file = path.join(dir, foreign(n));
        await beeWrites(hive, file, JSON.stringify({ ...PLAIN, task_id: `GHOST-${n}` }));
        await unlink(file).catch(() => undefined);
        if (n % 5 === 0) await rm(dir, { recursive: true, force: true });
      }
    };
    const churnOwnTaskFiles = async () => {
      // A person moves a task file away and back (e.g. to edit it elsewhere).
      for (let n = 0; Date.now() < stopAt; n++) {
        const task = tasks[n % 4]!;
        const aside = hivePath(hive, 'tmp', `aside-${n}`);
        await rename(taskFile(hive, task), aside).catch(() => undefined);
        await sleep(2);
        await rename(aside, taskFile(hive, task)).catch(() => undefined);
      }
    };
    const churnResponses = async () => {
      for (let n = 0; Date.now() < stopAt; n++) {
        const name = `GHOST-RESPONSE-${n}.md`;
        await beeWrites(hive, hivePath(hive, 'responses', name), `# ghost ${n}\n`);
        await unlink(hivePath(hive, 'responses', name)).catch(() => undefined);
        if (n % 7 === 0) {
          // A bee answers, then thinks better of it and deletes the answer.
          const task = tasks[4 + (n % 4)]!;
          const answer = hivePath(hive, 'responses', `BEE-001-RESPONSE-${task.task_id}-draft${n}.md`);
          await beeWrites(hive, answer, `draft ${n}\n`);
          await sleep(1);
          await unlink(answer).catch(() => undefined);
        }
      }
    };
    const readers = Array.from({ length: 3 }, async (_, r) => {
      let reads = 0;
      for (let n = r; Date.now() < stopAt; n++, reads++) {
        const id = n % 3 === 0 ? `GHOST-${n}` : tasks[n % tasks.length]!.task_id;
        await get(hive, `/api/tasks/status/${id}`);
        if (n % 4 === 0) await get(hive, `/api/trpc/tasks.detail${trpcInput({ task_id: id })}`);
        if (n % 9 === 0) await get(hive, `/api/trpc/tasks.list${trpcInput({ search: 'CHURN' })}`);
      }
      return reads;
    });
    const [reads] = await Promise.all([Promise.all(readers), churnTasks(), churnOwnTaskFiles(), churnResponses()]);
    expect(reads.reduce((a, b) => a + b, 0)).toBeGreaterThan(30);

    for (const task of tasks) await everyView(hive, task.task_id);
    await rescansPass(hive);
    const logged = hive.server.output().slice(logBefore);
    expect(logged, 'no request failed and nothing failed inside the server').not.toMatch(
      /request failed|tRPC .* failed|could not record|Internal error|Unhandled|uncaught/i,
    );
  });

  test('bot folders that vanish as soon as they appear are not logged as watcher errors', async ({ hive }) => {
    // The server looks at a new folder in tasks/, then starts watching it: a folder gone in between is no error.
    const logBefore = hive.server.output().length;
    const stopAt = Date.now() + 1_500;
    for (let n = 0; Date.now() < stopAt; n++) {
      const dir = hivePath(hive, 'tasks', `BEE-BLINK-${n}`);
      await mkdir(dir);
      if (n % 2) await writeFile(path.join(dir, `20260101T000000000Z-BLINK-${n}.json`), '{}');
      await rm(dir, { recursive: true, force: true });
    }
    // The control: a bot folder that stays, and its task file, are noticed after the churn.
    const control = await dispatch(hive, { task_id: 'BLINK-CONTROL', bot_id: 'BEE-BLINK-CONTROL' });
    await beeWrites(hive, hivePath(hive, 'claims', control.task_id), JSON.stringify({ bot_id: 'BEE-BLINK-CONTROL' }));
    await eventually(
      async () => (await everyView(hive, control.task_id)).detail.body.row?.claimed_by === 'BEE-BLINK-CONTROL',
      5_000,
      'the control claim to be recorded',
    );
    const logged = hive.server.output().slice(logBefore);
    const first = logged.split('\n').find((line) => line.includes('watcher error'));
    expect(countOccurrences(logged, 'watcher error'), `log lines like: ${first}`).toBe(0);
    expect((await get(hive, '/api/health')).reply.status).toBe(200);
  });
});

test.describe('directories where files belong', () => {
  test('a directory named like a response is ignored, logged once, and a real response still counts', async ({
    hive,
  }) => {
    const task = await dispatch(hive, { task_id: 'DIR-RESPONSE' });
    const name = `BEE-001-RESPONSE-${task.task_id}.md`;
    await mkdir(hivePath(hive, 'responses', name));
    await mkdir(hivePath(hive, 'responses', name, 'nested'));

    for (let read = 0; read < 20; read++) {
      const view = await everyView(hive, task.task_id);
      expect(view.rest.body.status).toBe('active');
      expect(view.detail.body.response).toBeNull();
    }
    await rescansPass(hive);
    expect(countOccurrences(hive.server.output(), `ignoring responses/${name}: not a regular file`)).toBe(1);

    await beeWrites(hive, hivePath(hive, 'responses', `${task.task_id}.md`), '# done\n');
    await eventually(async () => (await get(hive, `/api/tasks/status/${task.task_id}`)).json.status === 'completed');
  });

  test('a directory named like a task file is no task', async ({ hive }) => {
    await mkdir(hivePath(hive, 'tasks', 'BEE-001', '20260101T000000000Z-DIR-TASK.json'));
    await mkdir(hivePath(hive, 'archive', 'BEE-001'), { recursive: true });
    await mkdir(hivePath(hive, 'archive', 'BEE-001', '20260101T000000000Z-DIR-ARCHIVED.json'));
    for (const id of ['DIR-TASK', 'DIR-ARCHIVED']) {
      const view = await everyView(hive, id);
      expect(view.rest).toEqual({ status: 404, body: { status: 'not_found', task_id: id } });
      expect(view.detail.status).toBe(404);
      expect(view.listed).not.toContain(id);
    }
  });

  test('a task file replaced by a directory reads as unreadable or not found, never as a failure', async ({ hive }) => {
    const task = await dispatch(hive, { task_id: 'BECAME-DIR' });
    await unlink(taskFile(hive, task));
    await mkdir(taskFile(hive, task));
    for (let read = 0; read < 5; read++) {
      const view = await everyView(hive, task.task_id);
      expect([200, 404]).toContain(view.rest.status);
      expect(['unreadable', 'not_found']).toContain(view.rest.body.status);
      expect(view.listed).toContain(task.task_id);
    }
  });

  test('a directory where a claim belongs is no claim', async ({ hive }) => {
    const task = await dispatch(hive, { task_id: 'DIR-CLAIM' });
    const control = await dispatch(hive, { task_id: 'DIR-CLAIM-CONTROL' });
    await mkdir(hivePath(hive, 'claims', task.task_id));
    await claimAndWait(hive, control.task_id);
    const view = await everyView(hive, task.task_id);
    expect(view.rest.body.status).toBe('active');
    expect(view.detail.body.row).toMatchObject({ claimed_by: null });
  });

  test("a file where a bot's folder belongs: dispatching to that bot is a clean refusal naming it, not a 5xx", async ({
    hive,
  }) => {
    await writeFile(hivePath(hive, 'tasks', 'BEE-FILE'), 'not a folder\n');
    const text = JSON.stringify({ ...PLAIN, bot_id: 'BEE-FILE', task_id: 'TO-A-FILE' });
    const reply = await send(hive.server, {
      method: 'POST',
      path: '/api/tasks/run',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) },
      body: text,
    });
    const json = expectCleanJson(reply, 'dispatch to a bot whose folder is a file');
    expect(reply.status).toBeGreaterThanOrEqual(400);
    expect(json.error.message).toMatch(/BEE-FILE/);
    expect(await readFile(hivePath(hive, 'tasks', 'BEE-FILE'), 'utf8')).toBe('not a folder\n');
    // Other bots are unaffected.
    await dispatch(hive, { bot_id: 'BEE-002' });
  });
});

test.describe('named pipes where files belong', () => {
  /** Opens every pipe read-write (never blocks), so a reader stuck on it is released, then removes it. */
  async function releasePipes(pipes: string[]) {
    for (const pipe of pipes) {
      const handle = await open(pipe, constants.O_RDWR | constants.O_NONBLOCK).catch(() => null);
      await unlink(pipe).catch(() => undefined);
      await sleep(50);
      await handle?.close();
    }
  }

  async function answersPromptly(hive: HostileHive, taskId: string) {
    const quick = { timeoutMs: 5_000 };
    expect((await send(hive.server, { path: '/api/health', ...quick })).status).toBe(200);
    expect((await send(hive.server, { path: `/api/tasks/status/${taskId}`, ...quick })).status).toBe(200);
    const text = JSON.stringify(PLAIN);
    const reply = await send(hive.server, {
      method: 'POST',
      path: '/api/tasks/run',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) },
      body: text,
      ...quick,
    });
    expect(reply.status).toBe(200);
  }

  test('pipes named like responses and task files are ignored and never stall the server', async () => {
    const hive = await startHostileHive({ HIVE_POLL_MS: '200' });
    const pipes: string[] = [];
    try {
      const tasks = await Promise.all(Array.from({ length: 20 }, (_, i) => dispatch(hive, { task_id: `PIPE-${i}` })));
      for (const task of tasks) {
        pipes.push(hivePath(hive, 'responses', `BEE-001-RESPONSE-${task.task_id}.md`));
        pipes.push(hivePath(hive, 'tasks', 'BEE-001', `20260101T000000000Z-PIPE-GHOST-${task.task_id}.json`));
      }
      execFileSync('mkfifo', pipes);
      await rescansPass(hive);
      for (const task of tasks) {
        const view = await everyView(hive, task.task_id);
        expect(view.rest.body.status).toBe('active');
      }
      await answersPromptly(hive, tasks[0]!.task_id);
    } finally {
      await releasePipes(pipes);
      await hive.dispose();
    }
  });

  test('pipes where claims belong never stall the server', async () => {
    // A claim is read when it appears; blocking on a pipe holds one of the 16 file-system threads for good.
    const hive = await startHostileHive({ HIVE_POLL_MS: '200' });
    const pipes: string[] = [];
    try {
      const tasks = await Promise.all(
        Array.from({ length: 20 }, (_, i) => dispatch(hive, { task_id: `CLAIM-PIPE-${i}` })),
      );
      for (const task of tasks) pipes.push(hivePath(hive, 'claims', task.task_id));
      execFileSync('mkfifo', pipes);
      // A real claim after the pipes: once it is recorded, the pipes' events were handled too.
      const control = await dispatch(hive, { task_id: 'CLAIM-PIPE-CONTROL' });
      await claimAndWait(hive, control.task_id);
      await answersPromptly(hive, tasks[0]!.task_id);
    } finally {
      await releasePipes(pipes);
      await hive.dispose();
    }
  });

  test('a pipe as .deia/routing.json never stalls the server', async () => {
    const hive = await startHostileHive({ HIVE_POLL_MS: '200' });
    const pipe = path.join(hive.sandbox.root, '.deia', 'routing.json');
    try {
      const task = await dispatch(hive, { task_id: 'ROUTING-PIPE' });
      execFileSync('mkfifo', [pipe]);
      // Every re-scan reads the routing file again: 20 passes would hold 20 threads.
      await rescansPass(hive, 20);
      await answersPromptly(hive, task.task_id);
      const { json } = await get(hive, '/api/trpc/routing.table');
      expect(json.result.data.source).toBe('default');
    } finally {
      // Each stuck reader needs its own release.
      for (let i = 0; i < 40; i++) {
        const handle = await open(pipe, constants.O_RDWR | constants.O_NONBLOCK).catch(() => null);
        await handle?.close();
      }
      await unlink(pipe).catch(() => undefined);
      await hive.dispose();
    }
  });
});

test.describe('symlinks pointing outside the root', () => {
  test('a response that is a symlink to a secret never completes the task, never shows the secret, and is logged once', async ({
    hive,
  }) => {
    const task = await dispatch(hive, { task_id: 'LINK-RESPONSE' });
    const absolute = `BEE-001-RESPONSE-${task.task_id}.md`;
    const relative = `${task.task_id}-relative.md`;
    await symlink(hive.sandbox.secretFile, hivePath(hive, 'responses', absolute));
    await symlink(
      path.relative(hivePath(hive, 'responses'), hive.sandbox.secretFile),
      hivePath(hive, 'responses', relative),
    );

    for (let read = 0; read < 20; read++) {
      const view = await everyView(hive, task.task_id);
      expect(view.rest.body.status).toBe('active');
      expect(view.detail.body.response).toBeNull();
    }
    await rescansPass(hive);
    for (const name of [absolute, relative]) {
      expect(countOccurrences(hive.server.output(), `ignoring responses/${name}: not a regular file`), name).toBe(1);
    }
  });

  test('a symlink swapped over a task file never shows what it points to', async ({ hive }) => {
    const task = await dispatch(hive, { task_id: 'LINK-OVER-TASK' });
    await beeLinks(hive, hive.sandbox.secretTaskFile, taskFile(hive, task));
    for (let read = 0; read < 5; read++) {
      const view = await everyView(hive, task.task_id);
      expect([200, 404]).toContain(view.rest.status);
      expect(['unreadable', 'not_found']).toContain(view.rest.body.status);
    }
  });

  test('a symlink named like a task file, or like a claim, is neither', async ({ hive }) => {
    await symlink(
      hive.sandbox.secretTaskFile,
      hivePath(hive, 'tasks', 'BEE-001', '20260101T000000000Z-SECRET-TASK.json'),
    );
    const claimed = await dispatch(hive, { task_id: 'LINK-CLAIM' });
    const control = await dispatch(hive, { task_id: 'LINK-CLAIM-CONTROL' });
    await symlink(hive.sandbox.secretFile, hivePath(hive, 'claims', claimed.task_id));
    // The control's claim and its task file's status rewrite come after both symlinks; once
    // both are recorded, the symlinks' events have been handled too.
    await claimAndWait(hive, control.task_id);
    const controlFile = path.join(hive.sandbox.root, control.task_path);
    const rewritten = { ...JSON.parse(await readFile(controlFile, 'utf8')), status: 'in_progress' };
    await beeWrites(hive, controlFile, JSON.stringify(rewritten));
    await eventually(
      async () => (await everyView(hive, control.task_id)).detail.body.row?.status === 'in_progress',
      5_000,
      'the control status rewrite to be recorded',
    );

    const view = await everyView(hive, 'SECRET-TASK');
    expect(view.rest).toEqual({ status: 404, body: { status: 'not_found', task_id: 'SECRET-TASK' } });
    expect(view.listed).not.toContain('SECRET-TASK');
    const claim = await everyView(hive, claimed.task_id);
    expect(claim.detail.body.row).toMatchObject({ claimed_by: null });
  });

  test('a routing.json that is a symlink to a secret never shows the secret, not even in its error', async ({
    hive,
  }) => {
    const routingFile = path.join(hive.sandbox.root, '.deia', 'routing.json');
    await symlink(hive.sandbox.secretFile, routingFile);
    try {
      const routing = await eventually(
        async () => {
          const { json } = await get(hive, '/api/trpc/routing.table');
          return json.result.data.error ? json.result.data : null;
        },
        5_000,
        'routing.json to be looked at',
      );
      expect(routing.source).toBe('default');
      await dispatch(hive, { task_id: 'AFTER-ROUTING-LINK' });
    } finally {
      await unlink(routingFile);
    }
  });

  test("a bot's task folder that is a symlink out of the root is never written through", async ({ hive }) => {
    const inbox = path.join(hive.sandbox.outside, 'inbox');
    await mkdir(inbox);
    await symlink(inbox, hivePath(hive, 'tasks', 'BEE-ESCAPE'));
    const text = JSON.stringify({ ...PLAIN, bot_id: 'BEE-ESCAPE', task_id: 'ESCAPE-1' });
    const reply = await send(hive.server, {
      method: 'POST',
      path: '/api/tasks/run',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) },
      body: text,
    });
    const json = expectCleanJson(reply, 'dispatch into a symlinked bot folder');
    expect(reply.status).toBe(409);
    expect(json.error.message).toMatch(/tasks\/BEE-ESCAPE is a symlink/);
    expect(await readdir(inbox), 'files written outside the root').toEqual([]);
  });

  test("a bot's archive folder that is a symlink out of the root is never written through", async ({ hive }) => {
    const archive = path.join(hive.sandbox.outside, 'archive');
    await mkdir(archive);
    await symlink(archive, hivePath(hive, 'archive', 'BEE-ARCHIVE'));
    const task = await dispatch(hive, { bot_id: 'BEE-ARCHIVE', task_id: 'ARCHIVE-ESCAPE' });
    await beeWrites(hive, hivePath(hive, 'responses', `${task.task_id}.md`), '# done\n');
    await eventually(async () => (await get(hive, `/api/tasks/status/${task.task_id}`)).json.status === 'completed');
    // Archiving follows the completion: wait until it has been tried (and refused).
    await eventually(
      () => hive.server.output().includes(`could not archive ${task.task_id}`),
      5_000,
      'the archive move to be tried',
    );
    expect(await readdir(archive), 'files written outside the root').toEqual([]);
  });
});

test.describe('responses of many megabytes', () => {
  const SIZE = 50 * 1000 * 1000;

  for (const [what, unit] of [
    ['ASCII', 'x'],
    ['four-byte emoji', '😀'],
    ['letters with combining marks', 'e\u0301'],
  ] as const) {
    test(`a 50 MB response of ${what}: the preview is exactly its first 1000 characters, and only that much is read`, async ({
      hive,
    }) => {
      const task = await dispatch(hive, { task_id: `HUGE-${what.replace(/\W+/g, '-')}` });
      const head = `# Answer to ${task.task_id}\n`;
      const body = Buffer.alloc(SIZE - Buffer.byteLength(head), unit);
      await beeWrites(
        hive,
        hivePath(hive, 'responses', `BEE-001-RESPONSE-${task.task_id}.md`),
        Buffer.concat([Buffer.from(head), body]),
      );
      const expected = Array.from(head + unit.repeat(1000))
        .slice(0, 1000)
        .join('');

      const read = async () => {
        const { reply, json } = await get(hive, `/api/tasks/status/${task.task_id}`);
        expect(reply.status).toBe(200);
        return json;
      };
      await eventually(async () => (await read()).status === 'completed', 10_000, 'the response to count');
      const before = await bytesReadBy(hive.server.child.pid!);
      for (let i = 0; i < 20; i++) {
        const json = await read();
        expect(Array.from(json.content as string)).toHaveLength(1000);
        expect(json.content).toBe(expected);
      }
      const detail = await get(hive, `/api/trpc/tasks.detail${trpcInput({ task_id: task.task_id })}`);
      expect(detail.json.result.data.response.content).toBe(expected);
      // 21 previews: a few KB each plus the requests. One read of the whole file would be 50 MB.
      const bytes = (await bytesReadBy(hive.server.child.pid!)) - before;
      expect(bytes, `bytes the server read for 21 previews of a 50 MB file`).toBeLessThan(5 * 1000 * 1000);
    });
  }
});
