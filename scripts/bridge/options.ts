/** The bridge's command line: the server, the bot, the local hive and how many tasks to hold at once. */
import { BeeNameSchema, BotIdSchema, DEFAULT_BOT_ID } from '../../server/contracts/ids';
import { parseFlags, parseServerFlags, UsageError } from '../bee/options';

export const BRIDGE_USAGE = `Usage: npm run bridge -- --url URL [options]

Runs on a worker machine with no shared disk: claims one bot's tasks from the server at URL
over HTTP and puts each into a local hive, {root}/.deia/hive/tasks/{bot}/, where an unmodified
file bee (npm run bee -- --bot ID --root DIR) answers it. The bridge passes the bee's status
rewrites and its response back to the server, keeps the task's lease renewed meanwhile, and
turns a cancel from the server into a local cancels/{task_id} file.

Options:
  --url URL        the server (required), such as http://hive.example:8010
  --bot ID         bot id whose tasks to claim (default ${DEFAULT_BOT_ID})
  --root DIR       the local HIVE_ROOT (default: $HIVE_ROOT or the working directory)
  --name NAME      the bridge's name on the server and in its local claims (default: the bot id)
  --slots N        how many tasks to hold at once (default 1); more lets several local bees work
  --token TOKEN    bearer token (default: $HIVE_BEE_TOKEN, else $HIVE_API_TOKEN)
  -h, --help       show this help

The first Ctrl-C (SIGINT or SIGTERM) stops claiming, gives back the tasks no local bee has
started and waits for the others; a second one stops the local work and gives those back too.`;

const FLAGS = {
  url: { type: 'string' },
  bot: { type: 'string' },
  root: { type: 'string' },
  name: { type: 'string' },
  slots: { type: 'string' },
  token: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface BridgeCliOptions {
  help: boolean;
  url: string;
  token: string | null;
  botId: string;
  root: string;
  name: string;
  slots: number;
}

export function parseBridgeArgs(argv: string[], env: NodeJS.ProcessEnv): BridgeCliOptions {
  const values = parseFlags(argv, FLAGS);
  const help = values.help ?? false;
  const server = parseServerFlags(values, env);
  if (!server.url && !help) throw new UsageError('--url is required: the server to claim tasks from. See --help.');
  const bot = BotIdSchema.safeParse(values.bot ?? DEFAULT_BOT_ID);
  if (!bot.success) throw new UsageError(`--bot: ${bot.error.issues[0]?.message}`);
  const name = BeeNameSchema.safeParse(values.name ?? bot.data);
  if (!name.success) throw new UsageError(`--name: ${name.error.issues[0]?.message}`);
  const slots = values.slots === undefined ? 1 : Number(values.slots);
  if (!Number.isInteger(slots) || slots < 1 || slots > 64)
    throw new UsageError(`--slots must be a whole number from 1 to 64, got "${values.slots}"`);
  return {
    help,
    url: server.url ?? '',
    token: server.token,
    botId: bot.data,
    root: values.root ?? env.HIVE_ROOT ?? process.cwd(),
    name: name.data,
    slots,
  };
}
