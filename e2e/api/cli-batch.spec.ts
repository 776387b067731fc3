/** The CLI on many tasks at once: bulk actions followed to the end, exports streamed, batches dispatched from a file. */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createHiveClient } from '../../scripts/cli/client';
import type { ServerProcess } from '../../scripts/lib/server-process';
import { EXIT, hive, start, uniqueId } from '../support/cli';
import { dispatch, expect, status, test } from '../support/fixtures';

async function runMany(server: ServerProcess, tasks: unknown[]) {
  const res = await fetch(`${server.url}/api/tasks/run-many`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tasks }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { results: Array<{ status: string; task_id: string }> }).results;
}

/** RFC 4180: quoted cells may hold commas, doubled quotes and line breaks; rows end with CRLF. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  const endCell = () => {
    row.push(cell);
    cell = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted && c === '"' && text[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (c === '"' && (quoted || cell === '')) {
      quoted = !quoted;
    } else if (quoted) {
      cell += c;
    } else if (c === ',') {
      endCell();
    } else if (c === '\r' && text[i + 1] === '\n') {
      endCell();
      rows.push(row);
      row = [];
      i++;
    } else {
      cell += c;
    }
  }
  if (cell !== '' || row.length) {
    endCell();
    rows.push(row);
  }
  return rows;
}

test('bulk cancel of 500 waiting tasks by filter, with --wait: progress lines, then all 500 cancelled and the inbox empty', async ({
  server,
  store,
}) => {
  // 500 dispatches, a bulk job and a dozen CLI runs: more work than most tests, not a time limit on it.
  test.setTimeout(120_000);
  const bot = uniqueId('BULK');
  const results = await runMany(
    server,
    Array.from({ length: 500 }, (_, i) => ({ intent: 'code', title: `bulk ${i}`, summary: 's', bot_id: bot })),
  );
  expect(results.filter((r) => r.status === 'dispatched')).toHaveLength(500);
  const hiveClient = createHiveClient(server.url);
  expect(await hiveClient.tasks.count.query({ bot_id: bot, state: 'waiting' })).toBe(500);

  const dry = await hive(['bulk', 'cancel', '--bot', bot, '--state', 'waiting', '--dry-run'], server.url);
  expect(dry.code, dry.stderr).toBe(EXIT.ok);
  expect(dry.stdout.trim()).toBe('cancel: 500 tasks match');
  expect(await hiveClient.tasks.count.query({ bot_id: bot, state: 'waiting' })).toBe(500);

  const run = start(
    ['bulk', 'cancel', '--bot', bot, '--state', 'waiting', '--reason', 'bot retired', '--wait'],
    server.url,
  );
  const { code, stdout, stderr } = await run.done;
  expect(code, stderr).toBe(EXIT.ok);
  expect(stdout).toMatch(/^cancel: 500 tasks matched$/m);
  expect(stdout).toMatch(/^state\s+finished$/m);
  expect(stdout).toMatch(/^done\s+500$/m);
  expect(stdout).toMatch(/^failed\s+0$/m);

  const progress = [...stderr.matchAll(/^cancel: (\d+)\/500 done, 0 failed$/gm)].map((m) => Number(m[1]));
  expect(progress.length).toBeGreaterThan(0);
  expect(progress.at(-1)).toBe(500);
  expect([...progress].sort((a, b) => a - b)).toEqual(progress);

  expect(await hiveClient.tasks.count.query({ bot_id: bot, state: 'cancelled' })).toBe(500);
  expect(await hiveClient.tasks.count.query({ bot_id: bot })).toBe(500);
  if (store === 'files') expect(await readdir(path.join(server.root, '.deia', 'hive', 'tasks', bot))).toEqual([]);

  // Again: every one of them is refused now, so the summary lists the first failures and the exit code says so.
  const again = await hive(['bulk', 'cancel', '--bot', bot, '--wait'], server.url);
  expect(again.code).toBe(EXIT.someFailed);
  expect(again.stdout).toMatch(/^failed\s+500$/m);
  expect(again.stdout).toMatch(
    /^First failures:\n {2}\S+ {2}CONFLICT {2}\S+ is already cancelled; there is nothing left to cancel\.$/m,
  );
  expect(again.stdout).toContain('… and 490 more');
});

test('bulk refuses to act on every task unless told to, and needs --to for reassign', async ({ server, store }) => {
  test.skip(store === 'postgres', 'the CLI alone refuses these (usage errors), never reaching a server: api runs it');
  const [none, noTarget, both] = await Promise.all([
    hive(['bulk', 'cancel'], server.url),
    hive(['bulk', 'reassign', '--bot', 'BEE-001'], server.url),
    hive(['bulk', 'cancel', '--ids', 'TASK-1', '--state', 'waiting'], server.url),
  ]);
  expect(none.code).toBe(EXIT.invalidInput);
  expect(none.stderr).toContain('Say which tasks to cancel: --ids ID,ID…, filters as in `hive list`');
  expect(noTarget.code).toBe(EXIT.invalidInput);
  expect(noTarget.stderr).toContain('bulk reassign needs --to ID');
  expect(both.code).toBe(EXIT.invalidInput);
  expect(both.stderr).toContain('Give either --ids or filters (or --all), not both.');
});

test('export --format csv streams the filtered list with a header row and RFC 4180 quoting; --out writes the same file', async ({
  server,
}) => {
  const bot = uniqueId('EXPORT');
  const tricky = 'Fix, "quoted"\nline two';
  const a = await dispatch(server, { intent: 'code', title: tricky, summary: 's', bot_id: bot });
  const b = await dispatch(server, { intent: 'design', title: 'plain', summary: 's', bot_id: bot });
  await dispatch(server, { intent: 'code', title: 'another bot', summary: 's', bot_id: uniqueId('OTHER') });
  const file = test.info().outputPath('tasks.csv');

  const [csv, toFile] = await Promise.all([
    hive(['export', '--bot', bot, '--format', 'csv'], server.url),
    hive(['export', '--bot', bot, '--out', file], server.url),
  ]);
  expect(csv.code, csv.stderr).toBe(EXIT.ok);
  expect(csv.stdout).toContain(`,"Fix, ""quoted""\nline two",`);
  const rows = parseCsv(csv.stdout);
  expect(rows[0]!.slice(0, 6)).toEqual(['task_id', 'bot_id', 'intent', 'title', 'state', 'status']);
  expect(rows.slice(1).map((r) => [r[0], r[1], r[3], r[4]])).toEqual([
    [b.body.task_id, bot, 'plain', 'waiting'],
    [a.body.task_id, bot, tricky, 'waiting'],
  ]);

  // The format follows the file's extension.
  expect(toFile.code, toFile.stderr).toBe(EXIT.ok);
  expect(toFile.stderr).toMatch(/^wrote .*tasks\.csv \([\d,]+ bytes\)$/m);
  expect(await readFile(file, 'utf8')).toBe(csv.stdout);
});

test('export TASK_ID writes the task’s history as JSON; an unknown id exits with the not-found code', async ({
  server,
  store,
}) => {
  test.skip(
    store === 'postgres',
    'tasks.history, which api-pg reads in most of its tests: the api project runs the CLI side',
  );
  const { body } = await dispatch(server, { intent: 'code', title: 'History', summary: 's' });
  const file = test.info().outputPath('history.json');
  const [stdout, toFile, unknown] = await Promise.all([
    hive(['export', body.task_id], server.url),
    hive(['export', body.task_id, '--out', file, '--json'], server.url),
    hive(['export', 'TASK-NOPE-404'], server.url),
  ]);
  expect(stdout.code, stdout.stderr).toBe(EXIT.ok);
  const history = JSON.parse(stdout.stdout);
  expect(history).toMatchObject({ task_id: body.task_id, task: { title: 'History' } });
  expect(history.events.map((e: { event_type: string }) => e.event_type)).toEqual([
    'task_execution_started',
    'task_routed',
    'task_dispatched',
  ]);
  expect(toFile.code, toFile.stderr).toBe(EXIT.ok);
  expect(JSON.parse(toFile.stdout)).toMatchObject({ out: file, format: 'json' });
  expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ task_id: body.task_id });
  expect(unknown.code).toBe(EXIT.notFound);
  expect(unknown.stderr).toContain('No task "TASK-NOPE-404" in this hive.');
});

test('run-many from an NDJSON file: a line per item, bad items by index, line and field; exit 8 if any failed', async ({
  server,
  store,
}) => {
  test.skip(
    store === 'postgres',
    'the CLI sends the run-many that actions.spec sends on Postgres: the api project runs it',
  );
  const bot = uniqueId('MANY');
  const file = test.info().outputPath('tasks.ndjson');
  const lines = [
    { intent: 'code', title: 'first', summary: 's', bot_id: bot },
    '',
    { intent: 'code', summary: 'no title', bot_id: bot },
    { intent: 'code', title: 'bad bot', summary: 's', bot_id: '../etc' },
    { intent: 'design', title: 'last', summary: 's', bot_id: bot },
  ];
  await writeFile(file, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');

  const [text, json] = await Promise.all([
    hive(['run-many', file], server.url),
    hive(['run-many', file, '--json'], server.url),
  ]);
  expect(text.code, text.stderr).toBe(EXIT.someFailed);
  expect(text.stdout).toMatch(/^ITEM\s+RESULT\s+TASK \/ CODE\s+DETAIL$/m);
  const first = new RegExp(`^0 \\(line 1\\)\\s+dispatched\\s+(\\S+)\\s+${bot}, terminal/cli, waiting$`, 'm').exec(
    text.stdout,
  );
  const last = new RegExp(`^3 \\(line 5\\)\\s+dispatched\\s+(\\S+)\\s+${bot}, llm/default, waiting$`, 'm').exec(
    text.stdout,
  );
  expect(first, text.stdout).not.toBeNull();
  expect(last, text.stdout).not.toBeNull();
  expect(text.stdout).toMatch(/^1 \(line 3\)\s+error\s+INVALID_INPUT\s+title: title is required$/m);
  expect(text.stdout).toMatch(/^2 \(line 4\)\s+error\s+INVALID_INPUT\s+bot_id: bot_id may contain only/m);
  expect(text.stderr).toContain('dispatched 2 of 4; 2 failed');
  for (const match of [first, last]) expect((await status(server, match![1]!)).body.task.bot_id).toBe(bot);

  expect(json.code).toBe(EXIT.someFailed);
  const items = json.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  expect(items.map((i) => [i.index, i.line, i.status])).toEqual([
    [0, 1, 'dispatched'],
    [1, 3, 'error'],
    [2, 4, 'error'],
    [3, 5, 'dispatched'],
  ]);
  expect(items[1].error.fields).toEqual({ title: ['title is required'] });
});
