/** The command table and the top level: `hive <command> …`, `hive help [command]`, `hive --help`. */
import { botsCommand } from './commands/bots';
import { bulkCommand } from './commands/bulk';
import { cancelCommand } from './commands/cancel';
import { exportCommand } from './commands/export';
import { importCommand } from './commands/import';
import { listCommand } from './commands/list';
import { migrateCommand } from './commands/migrate';
import { pauseCommand, resumeCommand } from './commands/pause';
import { reassignCommand } from './commands/reassign';
import { reclaimCommand } from './commands/reclaim';
import { retryCommand } from './commands/retry';
import { routesCommand } from './commands/routes';
import { runCommand } from './commands/run';
import { runManyCommand } from './commands/run-many';
import { statusCommand } from './commands/status';
import { tokensCommand } from './commands/tokens';
import { watchCommand } from './commands/watch';
import type { Command } from './command';
import { CliError, usageError } from './errors';
import { EXIT, type ExitCode } from './exit-codes';
import { overviewHelp } from './help';
import { Output } from './output';
import { closest } from '../lib/suggest';

/** In the order the overview lists them: dispatch, look, act, then the hive as a whole. */
export const COMMANDS: readonly Command[] = [
  runCommand,
  runManyCommand,
  statusCommand,
  listCommand,
  watchCommand,
  cancelCommand,
  retryCommand,
  reassignCommand,
  reclaimCommand,
  bulkCommand,
  exportCommand,
  botsCommand,
  pauseCommand,
  resumeCommand,
  routesCommand,
  tokensCommand,
  migrateCommand,
  importCommand,
];

function find(name: string): Command {
  const command = COMMANDS.find((c) => c.name === name);
  if (command) return command;
  const guess = closest(
    name,
    COMMANDS.map((c) => c.name),
  );
  throw usageError(
    `Unknown command "${name}".${guess ? ` Did you mean \`hive ${guess}\`?` : ''}`,
    `Commands: ${COMMANDS.map((c) => c.name).join(', ')}. See \`hive --help\`.`,
  );
}

/** `hive --json --url U list` reads as well as `hive list --json --url U`: lead global flags move after the command. */
function commandFirst(argv: string[]): string[] {
  const leading: string[] = [];
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--json' || arg.startsWith('--url=')) leading.push(arg);
    else if (arg === '--url' && i + 1 < argv.length) leading.push(arg, argv[++i] ?? '');
    else break;
  }
  const [command, ...rest] = argv.slice(i);
  return command === undefined ? [] : [command, ...rest, ...leading];
}

export async function main(argv: string[]): Promise<ExitCode> {
  const [first, ...rest] = commandFirst(argv);
  try {
    if (first === undefined) {
      process.stderr.write(overviewHelp(COMMANDS));
      return EXIT.invalidInput;
    }
    if (first === '--help' || first === '-h') {
      process.stdout.write(overviewHelp(COMMANDS));
      return EXIT.ok;
    }
    if (first === 'help') {
      process.stdout.write(rest[0] === undefined ? overviewHelp(COMMANDS) : find(rest[0]).help());
      return EXIT.ok;
    }
    if (first.startsWith('-')) {
      throw usageError(
        `${first} is not a flag that can come before the command.`,
        `Usage: hive <command> [flags], with commands ${COMMANDS.map((c) => c.name).join(', ')}. See \`hive --help\`.`,
      );
    }
    return await find(first).execute(rest);
  } catch (err) {
    const out = new Output(argv.includes('--json'));
    const error = err instanceof CliError ? err : usageError(err instanceof Error ? err.message : String(err));
    out.error(error);
    return error.exitCode;
  }
}
