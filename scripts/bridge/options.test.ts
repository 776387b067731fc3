/** The bridge's options: --url is required, --slots is a small whole number, --root is the local hive; misspelt flags are usage errors with a suggestion. */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../bee/options';
import { parseBridgeArgs } from './options';

/** Only these variables, not the test run's own. */
const parse = (argv: string[], env: Record<string, string> = {}) => parseBridgeArgs(argv, env as NodeJS.ProcessEnv);

function usageError(argv: string[]): string {
  try {
    parse(argv);
  } catch (err) {
    if (err instanceof UsageError) return err.message;
    throw err;
  }
  throw new Error(`expected a usage error for ${argv.join(' ')}`);
}

describe('npm run bridge options', () => {
  it('default to one slot, the bot id as the name, and the local hive at $HIVE_ROOT', () => {
    expect(parse(['--url', 'http://hive:8010/'], { HIVE_ROOT: '/srv/hive', HIVE_BEE_TOKEN: 'hbt_x' })).toEqual({
      help: false,
      url: 'http://hive:8010',
      token: 'hbt_x',
      botId: 'BEE-001',
      root: '/srv/hive',
      name: 'BEE-001',
      slots: 1,
    });
  });

  it('take the bot, the local root, the name, the slots and the token from flags', () => {
    const argv = ['--url', 'http://hive:8010', '--bot', 'GPU-1', '--root', '/tmp/h', '--name', 'gpu-box.1'];
    expect(parse([...argv, '--slots', '4', '--token', 'flag-token'], { HIVE_API_TOKEN: 'op' })).toMatchObject({
      botId: 'GPU-1',
      root: '/tmp/h',
      name: 'gpu-box.1',
      slots: 4,
      token: 'flag-token',
    });
  });

  it.each([
    [[], '--url is required: the server to claim tasks from. See --help.'],
    [['--url', 'ftp://hive'], '--url must start with http:// or https://; got "ftp://hive"'],
    [['--url', 'http://hive', '--slots', '0'], '--slots must be a whole number from 1 to 64, got "0"'],
    [['--url', 'http://hive', '--slots', '1.5'], '--slots must be a whole number from 1 to 64, got "1.5"'],
    [['--url', 'http://hive', '--bot', '../x'], expect.stringMatching(/^--bot: bot_id may contain only letters/)],
    [['--url', 'http://hive', '--slot', '2'], "Unknown option '--slot'. Did you mean --slots? See --help."],
    [['--url', 'http://hive', '--rooot', '/tmp'], "Unknown option '--rooot'. Did you mean --root? See --help."],
  ])('%j is a usage error that says why', (argv, message) => {
    expect(usageError(argv)).toEqual(message);
  });

  it('--help needs no --url', () => {
    expect(parse(['--help']).help).toBe(true);
  });
});
