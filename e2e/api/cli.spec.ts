/** The `hive` CLI as a person or script runs it: a child process against the production server. */
import { freePort } from '../../scripts/lib/server-process';
import { EXIT, hive, start, uniqueId } from '../support/cli';
import { dispatch, expect, test } from '../support/fixtures';
import { answerAsBee, taskEvents } from '../support/hive-api';
import { responsePath } from '../support/store';

/** For tests whose CLI never reaches a server: the store cannot change what they see, so one project runs them. */
const CLI_ONLY = 'the CLI alone, never reaching a server: the api project runs it';
/** For the rest: the CLI makes the HTTP calls api-pg makes directly (curl-examples, actions), so api runs the CLI side. */
const SAME_CALLS = 'the CLI makes the calls curl-examples and actions make on Postgres: the api project runs it';

/** A word no other test's task contains, so filters see only this test's tasks. */
const uniqueWord = () => `w${Math.random().toString(36).slice(2, 10).replace(/\d/g, 'q')}`;

test('run prints the routing decision, as text and as JSON', async ({ server, store }) => {
  test.skip(store === 'postgres', SAME_CALLS);
  const [plain, json] = await Promise.all([
    hive(
      ['run', '--intent', 'code', '--title', 'Create hello.py', '--summary', 'Write a hello world script'],
      server.url,
    ),
    hive(
      ['run', '--intent', 'design', '--title', 'Sketch', '--summary', 'A design', '--bot', 'BEE-007', '--json'],
      server.url,
    ),
  ]);

  expect(plain.code, plain.stderr).toBe(EXIT.ok);
  expect(plain.stdout).toMatch(/^dispatched\s+TASK-\d{14}-[0-9a-f]+$/m);
  expect(plain.stdout).toMatch(/^lane\s+terminal$/m);
  expect(plain.stdout).toMatch(/^provider\s+cli$/m);
  expect(plain.stdout).toMatch(/^delivery\s+task_file$/m);
  expect(plain.stdout).toMatch(/^rule\s+code \(default table\)$/m);
  expect(plain.stdout).toMatch(
    store === 'files' ? /^task path\s+\.deia\/hive\/tasks\/BEE-001\/\S+\.json$/m : /^task path\s+postgres:tasks\/\S+$/m,
  );

  expect(json.code, json.stderr).toBe(EXIT.ok);
  expect(JSON.parse(json.stdout)).toMatchObject({
    status: 'dispatched',
    bot_id: 'BEE-007',
    lane: 'llm',
    provider: 'default',
    delivery_mode: 'cache_prompt',
    routing: { rule: 'design-planning', source: 'default' },
  });
});

test('run --wait shows progress and prints the response as soon as a bee writes it', async ({ server, store }) => {
  test.skip(store === 'postgres', SAME_CALLS);
  const taskId = `CLI-WAIT-${Date.now()}`;
  // A bot of its own: a bee over HTTP (Postgres) claims the oldest task of its bot.
  const bot = uniqueId('CLI-WAIT');
  const run = start(
    [
      'run',
      '--intent',
      'code',
      '--title',
      'Wait for me',
      '--summary',
      's',
      '--task-id',
      taskId,
      '--bot',
      bot,
      '--wait',
      '--timeout',
      '20',
    ],
    server.url,
  );
  await run.waitFor(/waiting for CLI-WAIT-\d+: active/);
  await answerAsBee(server, store, { taskId, botId: bot, content: '# Done\nhello.py written\n' });
  const { code, stdout, stderr } = await run.done;

  expect(code, stderr).toBe(EXIT.ok);
  expect(stdout).toMatch(new RegExp(`^dispatched\\s+${taskId}$`, 'm'));
  const shown = /^response\s+(\S+)$/m.exec(stdout)?.[1];
  expect(shown, stdout).toBe(responsePath(store, bot, taskId));
  expect(stdout).toContain('# Done\nhello.py written');
  expect(stderr).toMatch(/completed after \d+\.\ds/);
});

test('run --wait without a response times out with the timeout exit code, and the server records the timeout', async ({
  server,
  store,
}) => {
  test.skip(store === 'postgres', SAME_CALLS);
  const { code, stdout, stderr } = await hive(
    ['run', '--intent', 'code', '--title', 'Nobody answers', '--summary', 's', '--wait', '--timeout', '1', '--json'],
    server.url,
  );
  expect(code, stderr).toBe(EXIT.timeout);
  const result = JSON.parse(stdout);
  expect(result).toMatchObject({ status: 'dispatched', response: { status: 'timeout', task_id: result.task_id } });
  expect(stderr).toContain(`hive status ${result.task_id}`);
  // The same wait as REST's wait_for_response: the ledger tells of it.
  const timeouts = (await taskEvents(server, result.task_id)).filter((e) => e.event_type === 'task_timeout');
  expect(timeouts.map((e) => e.data)).toEqual([{ timeout_ms: 1000 }]);
});

test('run --wait ends with the conflict code as soon as the task is cancelled: no response will come', async ({
  server,
  store,
}) => {
  test.skip(store === 'postgres', SAME_CALLS);
  const taskId = `CLI-CANCELLED-${Date.now()}`;
  const run = start(
    [
      'run',
      '--intent',
      'code',
      '--title',
      'Cancel me',
      '--summary',
      's',
      '--task-id',
      taskId,
      '--wait',
      '--timeout',
      '60',
    ],
    server.url,
  );
  await run.waitFor(new RegExp(`waiting for ${taskId}: active`));
  const cancel = await fetch(`${server.url}/api/tasks/${taskId}/cancel`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  expect(cancel.status).toBe(200);
  const { code, stderr } = await run.done;
  expect(code, stderr).toBe(EXIT.conflict);
  expect(stderr).toContain(`${taskId} was cancelled while waiting for it; no response will come.`);
});

test('status: a task in progress, and an unknown id with the not-found code', async ({ server, store }) => {
  test.skip(store === 'postgres', SAME_CALLS);
  const { body } = await dispatch(server, { intent: 'planning', title: 'Plan it', summary: 's' });
  const [known, unknown, unknownJson] = await Promise.all([
    hive(['status', body.task_id], server.url),
    hive(['status', 'TASK-NOPE-404'], server.url),
    hive(['status', 'TASK-NOPE-404', '--json'], server.url),
  ]);
  expect(known.code, known.stderr).toBe(EXIT.ok);
  expect(known.stdout).toMatch(/^status\s+active$/m);
  expect(known.stdout).toMatch(/^state\s+waiting$/m);
  expect(known.stdout).toMatch(/^title\s+Plan it$/m);

  expect(unknown.code).toBe(EXIT.notFound);
  expect(unknown.stderr).toContain('no task TASK-NOPE-404');
  expect(unknownJson.code).toBe(EXIT.notFound);
  expect(JSON.parse(unknownJson.stdout)).toEqual({ status: 'not_found', task_id: 'TASK-NOPE-404' });
});

test('bad flags are refused locally, with a suggestion, before anything is sent', async ({ server, store }) => {
  test.skip(store === 'postgres', CLI_ONLY);
  const [misspelt, missing, stray] = await Promise.all([
    hive(['run', '--intent', 'code', '--titel', 'x', '--summary', 's'], server.url),
    hive(['run', '--intent', 'code'], server.url),
    hive(['stauts', 'X'], server.url),
  ]);
  expect(misspelt.code).toBe(EXIT.invalidInput);
  expect(misspelt.stderr).toContain('Unknown flag --titel for `hive run`. Did you mean --title?');
  expect(missing.code).toBe(EXIT.invalidInput);
  expect(missing.stderr).toContain('Missing required flags for `hive run`: --title, --summary.');
  expect(stray.code).toBe(EXIT.invalidInput);
  expect(stray.stderr).toContain('Did you mean `hive status`?');
});

test('a server-side validation error names the flag and the rule', async ({ server, store }) => {
  test.skip(store === 'postgres', 'the schema refuses it before any store: api runs it (bad-input runs on Postgres)');
  const [timeout, title] = await Promise.all([
    hive(['run', '--intent', 'code', '--title', 't', '--summary', 's', '--wait', '--timeout', '0'], server.url),
    hive(['run', '--intent', 'code', '--title', '', '--summary', 's', '--json'], server.url),
  ]);
  expect(timeout.code).toBe(EXIT.invalidInput);
  expect(timeout.stderr).toContain('--timeout: timeout_seconds must be between 1 and 3600');
  expect(timeout.stdout).toBe('');

  expect(title.code).toBe(EXIT.invalidInput);
  expect(title.stderr).toContain('--title: title must not be empty');
  expect(JSON.parse(title.stdout)).toMatchObject({
    status: 'error',
    error: { code: 'BAD_REQUEST', fields: { title: ['title must not be empty'] } },
    exit_code: EXIT.invalidInput,
  });
});

test('list filters, and routes shows the table in force', async ({ server, store }) => {
  test.skip(store === 'postgres', SAME_CALLS);
  const word = uniqueWord();
  const code = await dispatch(server, { intent: 'code', title: `Build ${word}`, summary: 's' });
  const design = await dispatch(server, { intent: 'design', title: `Draw ${word}`, summary: 's' });

  const [all, llm, routes, routesJson] = await Promise.all([
    hive(['list', '--search', word], server.url),
    hive(['list', '--search', word, '--lane', 'llm', '--json'], server.url),
    hive(['routes'], server.url),
    hive(['routes', '--json'], server.url),
  ]);
  expect(all.code, all.stderr).toBe(EXIT.ok);
  expect(all.stdout).toContain(code.body.task_id);
  expect(all.stdout).toContain(design.body.task_id);
  expect(all.stdout).toMatch(/^TASK\s+STATE\s+STATUS\s+INTENT/);
  expect(all.stdout).toMatch(new RegExp(`^${code.body.task_id}\\s+waiting\\s+active\\s+code\\s+terminal/cli\\s`, 'm'));

  expect(llm.code, llm.stderr).toBe(EXIT.ok);
  const page = JSON.parse(llm.stdout);
  expect(page.items.map((row: { task_id: string }) => row.task_id)).toEqual([design.body.task_id]);

  expect(routes.code, routes.stderr).toBe(EXIT.ok);
  expect(routes.stdout).toContain('Routing table: built-in default');
  expect(routes.stdout).toMatch(/^code\s+code\s+terminal\s+cli\s+task_file$/m);
  expect(routes.stdout).toMatch(/^\(fallback\)\s+anything else\s+llm\s+default\s+cache_prompt$/m);
  expect(JSON.parse(routesJson.stdout)).toMatchObject({ source: 'default', error: null });
});

test('watch prints a line per event as a task is dispatched', async ({ server }) => {
  const watch = start(['watch'], server.url);
  try {
    await watch.waitFor(/watching http:\/\/127\.0\.0\.1:\d+/);
    const { body } = await dispatch(server, { intent: 'code', title: 'Watched', summary: 's' });
    await watch.waitFor(new RegExp(`task_dispatched\\s+${body.task_id}`));
    const lines = watch.stdout().trim().split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          new RegExp(
            `^\\d\\d:\\d\\d:\\d\\d\\.\\d{3}  #\\d+  task_execution_started\\s+${body.task_id}  .*title=Watched`,
          ),
        ),
        expect.stringMatching(new RegExp(`#\\d+  task_routed\\s+${body.task_id}  lane=terminal provider=cli`)),
      ]),
    );
  } finally {
    watch.child.kill('SIGTERM');
  }
  expect((await watch.done).code).toBe(EXIT.ok);
});

test('a server that is not running gives the unreachable code and says how to start one', async ({ store }) => {
  test.skip(store === 'postgres', CLI_ONLY);
  const url = `http://127.0.0.1:${await freePort()}`;
  const [routes, watch] = await Promise.all([hive(['routes'], url), hive(['watch'], url)]);
  for (const result of [routes, watch]) {
    expect(result.code).toBe(EXIT.unreachable);
    expect(result.stderr).toContain(`Cannot reach Hive Control at ${url}`);
    expect(result.stderr).toContain('npm start');
    expect(result.stderr).toContain('HIVE_URL');
  }
});

const NEW_COMMANDS = [
  'run-many',
  'cancel',
  'retry',
  'reassign',
  'reclaim',
  'bulk',
  'export',
  'bots',
  'pause',
  'resume',
];

test('help on every command documents the exit codes; the overview lists every command', async ({ server, store }) => {
  test.skip(store === 'postgres', CLI_ONLY);
  const results = await Promise.all([
    hive(['--help'], server.url),
    hive(['help', 'run'], server.url),
    hive(['list', '--help'], server.url),
    ...NEW_COMMANDS.map((name) => hive([name, '--help'], server.url)),
  ]);
  for (const { code, stdout } of results) {
    expect(code).toBe(EXIT.ok);
    expect(stdout).toContain('4    timeout');
    expect(stdout).toContain('5    server unreachable');
    expect(stdout).toContain('7    conflict');
    expect(stdout).toContain('8    some items failed');
  }
  for (const name of NEW_COMMANDS) expect(results[0].stdout).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
  expect(results[1].stdout).toContain('--timeout S');
  expect(results[2].stdout).toContain('--search WORDS');
  expect(results[2].stdout).toContain('--state STATE');
  NEW_COMMANDS.forEach((name, i) => expect(results[3 + i]!.stdout).toMatch(new RegExp(`^Usage: hive ${name}`)));
});

test('routes --explain --intent says which rule fires and, for every rule, whether it matched', async ({
  server,
  store,
}) => {
  test.skip(store === 'postgres', 'the routing table is read from HIVE_ROOT on either store: the api project runs it');
  const [code, other, json, noIntent] = await Promise.all([
    hive(['routes', '--explain', '--intent', 'code'], server.url),
    hive(['routes', '--explain', '--intent', 'poetry'], server.url),
    hive(['routes', '--explain', '--intent', 'Design', '--json'], server.url),
    hive(['routes', '--explain'], server.url),
  ]);
  expect(code.code, code.stderr).toBe(EXIT.ok);
  expect(code.stdout.split('\n')[0]).toBe('intent "code" → terminal / cli / task_file, by rule code (default table)');
  expect(code.stdout).toMatch(/^RULE\s+INTENTS\s+MATCHED$/m);
  expect(code.stdout).toMatch(/^design-planning\s+design, planning\s+no$/m);
  expect(code.stdout).toMatch(/^code\s+code\s+yes$/m);
  expect(code.stdout).toMatch(/^\(fallback\)\s+anything else\s+no$/m);

  expect(other.stdout.split('\n')[0]).toBe(
    'intent "poetry" → llm / default / cache_prompt, by rule fallback (default table)',
  );
  expect(other.stdout).toMatch(/^code\s+code\s+no$/m);
  expect(other.stdout).toMatch(/^\(fallback\)\s+anything else\s+yes$/m);

  expect(JSON.parse(json.stdout)).toEqual({
    lane: 'llm',
    provider: 'default',
    delivery: 'cache_prompt',
    rule: 'design-planning',
    source: 'default',
    rules: [
      { name: 'design-planning', intents: ['design', 'planning'], matched: true },
      { name: 'code', intents: ['code'], matched: false },
    ],
  });
  expect(noIntent.code).toBe(EXIT.invalidInput);
  expect(noIntent.stderr).toContain('--explain needs --intent INTENT');
});

test('the new commands refuse misspelt flags, actions and values with a suggestion and the usage code', async ({
  server,
  store,
}) => {
  test.skip(store === 'postgres', CLI_ONLY);
  const results = await Promise.all([
    hive(['cancel', 'TASK-1', '--reson', 'x'], server.url),
    hive(['bulk', 'cancel', '--stat', 'waiting', '--wait'], server.url),
    hive(['bulk', 'cancle', '--state', 'waiting'], server.url),
    hive(['export', '--fromat', 'csv'], server.url),
    hive(['bots', '--chek'], server.url),
    hive(['list', '--state', 'waitng'], server.url),
    hive(['reassign', 'TASK-1', '--bto', 'BEE-002'], server.url),
  ]);
  const expected = [
    'Unknown flag --reson for `hive cancel`. Did you mean --reason?',
    'Unknown flag --stat for `hive bulk`. Did you mean --state?',
    'Unknown bulk action "cancle". Did you mean `hive bulk cancel`?',
    'Unknown flag --fromat for `hive export`. Did you mean --format?',
    'Unknown flag --chek for `hive bots`. Did you mean --check?',
    '(got "waitng"). Did you mean waiting?',
    'Unknown flag --bto for `hive reassign`. Did you mean --bot?',
  ];
  results.forEach((result, i) => {
    expect(result.code, result.stderr).toBe(EXIT.invalidInput);
    expect(result.stderr).toContain(expected[i]);
  });
});
