/** The bee's options: --exec-lane and --config pick the command per lane, --url (once or more, or a list) and --token pick the servers to work for over HTTP; bad config files, misspelt flags and --root with --url are usage errors that say why. */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureHiveDirs, hivePaths } from '../../server/core/hive-paths';
import { writeTask } from '../../server/core/task-files';
import { BEE_USAGE, parseBeeArgs, UsageError } from './options';
import { taskFile } from '../../server/testing/tasks';

const run = promisify(execFile);
const BEE_ENTRY = path.resolve(import.meta.dirname, '..', 'bee.ts');

let dir: string;
beforeEach(async () => (dir = await mkdtemp(path.join(os.tmpdir(), 'bee-options-'))));
afterEach(() => rm(dir, { recursive: true, force: true }));

const task = (taskId: string, lane: string) => taskFile(taskId, { lane, summary: 's', routing: undefined });

/** What the handler the options chose for a task of `lane` answers. */
async function answerFor(argv: string[], lane: string) {
  const options = parseBeeArgs(argv, process.env);
  const t = task('TASK-1', lane);
  return options.handlerFor(t)(t, new AbortController().signal);
}

async function config(content: unknown): Promise<string> {
  const file = path.join(dir, 'bee.json');
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

function usageError(argv: string[]): string {
  try {
    parseBeeArgs(argv, process.env);
  } catch (err) {
    if (err instanceof UsageError) return err.message;
    throw err;
  }
  throw new Error(`expected a usage error for ${argv.join(' ')}`);
}

describe('--exec-lane LANE=CMD', () => {
  it("runs each lane's own command; other lanes get --exec, or the built-in answer without it", async () => {
    const argv = ['--exec-lane', 'terminal=echo from-terminal', '--exec-lane', 'llm=echo from-llm'];
    expect(await answerFor(argv, 'terminal')).toEqual({ ok: true, markdown: 'from-terminal\n' });
    expect(await answerFor(argv, 'llm')).toEqual({ ok: true, markdown: 'from-llm\n' });
    expect(await answerFor([...argv, '--exec', 'echo from-exec'], 'review')).toEqual({
      ok: true,
      markdown: 'from-exec\n',
    });
    expect((await answerFor(argv, 'review')).markdown).toContain('Answered by **BEE-001**');
  });

  it('splits at the first "=", so the command may contain one', async () => {
    expect(await answerFor(['--exec-lane', 'terminal=echo a=b'], 'terminal')).toEqual({ ok: true, markdown: 'a=b\n' });
  });

  it('refuses an entry without a lane', () => {
    expect(usageError(['--exec-lane', 'echo hi'])).toBe('--exec-lane takes LANE=CMD, got "echo hi"');
    expect(usageError(['--exec-lane', '=echo hi'])).toBe('--exec-lane takes LANE=CMD, got "=echo hi"');
  });
});

describe('--config FILE', () => {
  it('gives the command per lane, the fallback command and the timeout; flags win over it', async () => {
    const file = await config({
      exec: 'echo config-exec',
      lanes: { terminal: 'echo config-terminal', llm: 'echo config-llm', slow: 'sleep 30' },
      exec_timeout_seconds: 0.3,
    });
    const argv = ['--config', file, '--exec-lane', 'llm=echo flag-llm'];
    expect(await answerFor(argv, 'terminal')).toEqual({ ok: true, markdown: 'config-terminal\n' });
    expect(await answerFor(argv, 'llm')).toEqual({ ok: true, markdown: 'flag-llm\n' });
    expect(await answerFor(argv, 'review')).toEqual({ ok: true, markdown: 'config-exec\n' });
    expect(await answerFor(argv, 'slow')).toMatchObject({ ok: false, reason: 'timed out after 0.3 s' });
    expect(await answerFor([...argv, '--exec', 'echo flag-exec'], 'review')).toEqual({
      ok: true,
      markdown: 'flag-exec\n',
    });
  });

  it.each([
    ['is missing', null, /^--config \S+bee\.json: ENOENT: no such file or directory/],
    ['is not JSON', '{"exec": "x",', /^--config \S+bee\.json: .*JSON/],
    ['is not an object', '[1]', /^--config \S+bee\.json: Invalid input: expected object, received array$/],
    ['has a misspelt key', { lane: { llm: 'x' } }, /^--config \S+bee\.json: Unrecognized key: "lane"$/],
    [
      'has values of the wrong type',
      { exec_timeout_seconds: '30', lanes: { llm: '' } },
      /^--config \S+bee\.json: lanes\.llm: Too small.*; exec_timeout_seconds: Invalid input: expected number, received string$/,
    ],
  ])('that %s is a usage error naming the file and the problem', async (_what, content, message) => {
    const file = content === null ? path.join(dir, 'bee.json') : await config(content);
    expect(usageError(['--config', file])).toMatch(message);
  });
});

describe('--name NAME', () => {
  it('follows the id rule, since it names the presence file bees/{name}.json; the bot id is the default', () => {
    expect(parseBeeArgs(['--bot', 'BEE-007'], process.env).name).toBe('BEE-007');
    expect(parseBeeArgs(['--name', 'bee-a.2'], process.env).name).toBe('bee-a.2');
    expect(usageError(['--name', '../x'])).toBe(
      "--name: bee may contain only letters, digits, '.', '_' and '-', and must start with a letter or digit",
    );
  });
});

describe('--url URL and --token TOKEN', () => {
  /** Only these variables, not the test run's own. */
  const parse = (argv: string[], env: Record<string, string> = {}) => parseBeeArgs(argv, env as NodeJS.ProcessEnv);

  it('work over HTTP: the URL without a trailing slash, the token from the flag, else a bee token, else the operator token', () => {
    expect(parse(['--url', 'http://hive:8010/'])).toMatchObject({ url: ['http://hive:8010'], token: null });
    expect(parse(['--url', 'https://hive.example/hive/'])).toMatchObject({ url: ['https://hive.example/hive'] });
    const env = { HIVE_BEE_TOKEN: 'bee-token', HIVE_API_TOKEN: 'operator-token' };
    expect(parse(['--url', 'http://hive:8010', '--token', 'flag-token'], env).token).toBe('flag-token');
    expect(parse(['--url', 'http://hive:8010'], env).token).toBe('bee-token');
    expect(parse(['--url', 'http://hive:8010'], { HIVE_API_TOKEN: 'operator-token' }).token).toBe('operator-token');
    expect(parse(['--url', 'http://hive:8010'], { HIVE_BEE_TOKEN: '', HIVE_API_TOKEN: 'operator-token' }).token).toBe(
      'operator-token',
    );
  });

  it('without --url the bee works through the hive folder, whatever tokens the environment holds', () => {
    expect(parse([], { HIVE_BEE_TOKEN: 'bee-token' })).toMatchObject({ url: null, token: null });
  });

  it('with --root is a usage error: a bee over HTTP touches no local hive', () => {
    expect(usageError(['--url', 'http://hive:8010', '--root', dir])).toBe(
      '--root and --url do not go together: with --url the bee works over HTTP and touches no local hive folder',
    );
    // HIVE_ROOT in the environment is a default, not a request: it is ignored with --url.
    expect(parse(['--url', 'http://hive:8010'], { HIVE_ROOT: dir }).url).toEqual(['http://hive:8010']);
  });

  it('name several servers of one hive by repeating --url, by a comma-separated list, or both, in the order given', () => {
    expect(parse(['--url', 'http://a:8010', '--url', 'http://b:8010/']).url).toEqual([
      'http://a:8010',
      'http://b:8010',
    ]);
    expect(parse(['--url', 'http://a:8010,https://b.example/hive/']).url).toEqual([
      'http://a:8010',
      'https://b.example/hive',
    ]);
    expect(parse(['--url', ' http://a:8010 , http://b:8010', '--url', 'http://c:8010']).url).toEqual([
      'http://a:8010',
      'http://b:8010',
      'http://c:8010',
    ]);
    // One token for all of them: the servers of one hive know the same tokens.
    expect(parse(['--url', 'http://a:8010,http://b:8010'], { HIVE_BEE_TOKEN: 'bee-token' }).token).toBe('bee-token');
  });

  it.each([
    [['--url', 'http://a:8010,hive:8010'], '--url must start with http:// or https://; got "hive:8010"'],
    [
      ['--url', 'http://a:8010', '--url', 'not a url'],
      `--url must be the server's address, such as http://127.0.0.1:8010; got "not a url"`,
    ],
    [
      ['--url', 'http://a:8010,,http://b:8010'],
      '--url "http://a:8010,,http://b:8010" has an empty entry: separate the servers with single commas, such as http://a:8010,http://b:8010',
    ],
    [
      ['--url', 'http://a:8010,'],
      '--url "http://a:8010," has an empty entry: separate the servers with single commas, such as http://a:8010,http://b:8010',
    ],
    [['--url', 'http://a:8010/', '--url', 'http://a:8010'], '--url lists http://a:8010 twice'],
  ])('with several servers, %j is refused, naming the bad one', (argv, message) => {
    expect(usageError(argv)).toBe(message);
  });

  it.each([
    [['--url', 'hive:8010'], '--url must start with http:// or https://; got "hive:8010"'],
    [['--url', ''], `--url must be the server's address, such as http://127.0.0.1:8010; got ""`],
    [['--url', 'not a url'], `--url must be the server's address, such as http://127.0.0.1:8010; got "not a url"`],
    [['--token', 'secret'], '--token only applies with --url'],
  ])('%j is a usage error that says why', (argv, message) => {
    expect(usageError(argv)).toBe(message);
  });
});

describe('a misspelt flag', () => {
  it.each([
    ['--urll', '--url', 'http://hive:8010'],
    ['--tokn', '--token', 'secret'],
    ['--exec-lanes', '--exec-lane', 'terminal=x'],
    ['--confg', '--config', 'bee.json'],
    ['--exec-timout', '--exec-timeout', '5'],
    ['--onc', '--once', undefined],
  ])('%s is refused with "Did you mean %s?"', (flag, right, value) => {
    const argv = value === undefined ? [flag] : [flag, value];
    expect(usageError(argv)).toBe(`Unknown option '${flag}'. Did you mean ${right}? See --help.`);
  });

  it('with nothing close to it, is refused without a guess', () => {
    expect(usageError(['--frobnicate'])).toBe("Unknown option '--frobnicate'. See --help.");
  });
});

describe('npm run bee', () => {
  it('serves each lane with its command, end to end', async () => {
    const paths = hivePaths(path.join(dir, 'root'));
    await ensureHiveDirs(paths);
    await writeTask(paths, task('TASK-TERM', 'terminal'), new Date());
    await writeTask(paths, task('TASK-LLM', 'llm'), new Date());
    await writeTask(paths, task('TASK-OTHER', 'review'), new Date());
    const file = await config({ lanes: { llm: 'echo "# llm lane"' } });

    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', BEE_ENTRY, '--once', '--root', paths.root, '--config', file, '--exec-lane', 'terminal=cat'],
      { timeout: 60_000 },
    );
    expect(stdout).toContain('handlers: lane llm: echo "# llm lane"; lane terminal: cat; otherwise: built-in');
    const answer = (id: string) => readFile(path.join(paths.responses, `BEE-001-RESPONSE-${id}.md`), 'utf8');
    // `cat` echoes the task JSON it was given on stdin.
    expect(JSON.parse(await answer('TASK-TERM'))).toMatchObject({ task_id: 'TASK-TERM', lane: 'terminal' });
    expect(await answer('TASK-LLM')).toBe('# llm lane\n');
    expect(await answer('TASK-OTHER')).toContain('Answered by **BEE-001**');
  });

  it('exits with 2 when --root and --url are given together', async () => {
    const failure = await run(
      process.execPath,
      ['--import', 'tsx', BEE_ENTRY, '--url', 'http://127.0.0.1:1', '--root', dir],
      { timeout: 60_000 },
    ).catch((err: { code: number; stderr: string }) => err);
    expect(failure).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^bee: --root and --url do not go together/),
    });
  });

  it('exits with 2 and names the bad server when one in a list of --url is not a URL', async () => {
    const failure = await run(
      process.execPath,
      ['--import', 'tsx', BEE_ENTRY, '--url', 'http://127.0.0.1:1,ftp://hive', '--bot', 'BEE-001'],
      { timeout: 60_000 },
    ).catch((err: { code: number; stderr: string }) => err);
    expect(failure).toMatchObject({
      code: 2,
      stderr: 'bee: --url must start with http:// or https://; got "ftp://hive"\n',
    });
  });

  it('--help tells how to name several servers', () => {
    expect(BEE_USAGE).toContain('repeat --url or give a\n');
    expect(BEE_USAGE).toContain('comma-separated list: --url http://a:8010,http://b:8010');
  });

  it('exits with 2 and says what is wrong with a bad config file', async () => {
    const file = await config({ exec_timeout_seconds: -1 });
    const failure = await run(process.execPath, ['--import', 'tsx', BEE_ENTRY, '--config', file], {
      timeout: 60_000,
    }).catch((err: { code: number; stderr: string }) => err);
    expect(failure).toMatchObject({ code: 2 });
    expect((failure as { stderr: string }).stderr).toMatch(
      /^bee: --config \S+bee\.json: exec_timeout_seconds: Too small: expected number to be >0\n/,
    );
  });
});
