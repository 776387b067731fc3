/** The quick start's main job: server and reference bee together answer a task submitted in the browser. */
import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, tempHiveRoot } from '../../scripts/lib/server-process';
import { expect, test } from '../support/fixtures';
import { submitTask } from '../support/dashboard';

const run = promisify(execFile);

test('tasks from the dashboard and the CLI are answered by the bee with no one else involved', async ({
  page,
  store,
  servers,
}) => {
  // Four cold starts before the first answer (npm run up through tsx, its Next server, its bee through tsx,
  // Chromium) and a fifth for the CLI: on a loaded 2-core machine the bee alone took 25-30 s to say it
  // watches, so the default 60 s left nothing for the loop itself.
  test.setTimeout(120_000);
  const [root, port] = [await tempHiveRoot(), await freePort()];
  // On Postgres, `npm run up` runs its bee over HTTP (there are no hive files); the server's mirror stays in the test's root.
  const database =
    store === 'postgres'
      ? { HIVE_DATABASE_URL: await servers.databaseUrl(root), HIVE_MIRROR_DIR: path.join(root, 'mirror') }
      : {};
  const up = spawn(process.execPath, ['--import', 'tsx', path.resolve('scripts/start.ts')], {
    env: { ...process.env, HIVE_ROOT: root, PORT: String(port), ...database },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  up.stdout.on('data', (d: Buffer) => (output += d.toString()));
  up.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => up.once('exit', (code) => resolve(code)));
  try {
    await expect
      .poll(() => output, { timeout: 60_000 })
      .toMatch(store === 'files' ? /watching \.deia\/hive\/tasks\/BEE-001/ : /working for .* over HTTP/);
    await page.goto(`http://127.0.0.1:${port}`);
    await submitTask(page, { intent: 'design', title: 'Sketch the event ledger', summary: 'Append-only, SQLite' });

    const row = page.getByTestId('task-row').filter({ hasText: 'Sketch the event ledger' });
    // The bee is a separate process: it gets the time every other spec gives a real bee to answer.
    await expect(row.getByTestId('state')).toHaveText('completed', { timeout: 20_000 });
    await row.getByRole('link').click();
    await expect(page.getByTestId('markdown')).toContainText('Answered by BEE-001');
    await expect(page.getByTestId('timeline')).toContainText('task_claimed');

    // The same loop from the command line: `hive run --wait` returns with the bee's answer.
    const cli = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        path.resolve('scripts/hive.ts'),
        'run',
        '--intent',
        'code',
        '--title',
        'Create hello.py',
        '--summary',
        'Write a hello world script',
        '--wait',
        '--timeout',
        '30',
        '--json',
      ],
      {
        env: { ...process.env, HIVE_URL: `http://127.0.0.1:${port}` },
      },
    );
    const lines = cli.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, any>);
    // Like the REST reply to wait_for_response: the dispatch, with the response attached.
    expect(lines.at(-1)).toMatchObject({
      status: 'dispatched',
      lane: 'terminal',
      response: { status: 'completed', content: expect.stringContaining('Answered by **BEE-001**') },
    });
  } finally {
    up.kill('SIGINT');
    const code = await exited;
    // What the server and the bee said is the evidence when this fails.
    await test.info().attach('server and bee output', { body: output, contentType: 'text/plain' });
    expect(code).toBe(0);
  }
});
