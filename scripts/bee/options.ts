/** The bee's command line: flags, an optional JSON config, which handler serves which lane, and the server to work for over HTTP. */
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { z } from 'zod';
import { BeeNameSchema, BotIdSchema, DEFAULT_BOT_ID } from '../../server/contracts/ids';
import { describeIssues } from '../../server/contracts/issues';
import type { TaskFile } from '../../server/contracts/task';
import { closest } from '../lib/suggest';
import { builtinHandler, execHandler, type Handler } from './handlers';

export const BEE_USAGE = `Usage: npm run bee -- [options]

A reference bee: answers the tasks in .deia/hive/tasks/{bot}/, or, with --url, the
tasks a server hands it over HTTP.

Options:
  --bot ID               bot id whose folder to serve (default ${DEFAULT_BOT_ID})
  --root DIR             HIVE_ROOT (default: $HIVE_ROOT or the working directory)
  --url URL              work for the server at URL over HTTP instead of through a hive folder;
                         for several servers of one hive (PostgreSQL), repeat --url or give a
                         comma-separated list: --url http://a:8010,http://b:8010
  --token TOKEN          bearer token for --url (default: $HIVE_BEE_TOKEN, else $HIVE_API_TOKEN)
  --name NAME            this bee's name in its claims and in .deia/hive/bees/NAME.json
                         (default: the bot id); give bees sharing one folder distinct names
  --exec CMD             run CMD for each task: task JSON on stdin, stdout is the response
  --exec-lane LANE=CMD   run CMD for tasks routed to LANE (repeatable; wins over --exec)
  --exec-timeout SECS    kill a command that runs longer (default 600)
  --config FILE          JSON: {"exec": CMD, "lanes": {LANE: CMD}, "exec_timeout_seconds": N}
  --once                 answer what is there now, then exit
  -h, --help             show this help

Without --exec the bee writes a Markdown answer itself (the task, its routing, a plan).

With --url the bee needs no shared disk and touches no local .deia/hive (so --root does not
apply): it claims each task with a lease, renews the lease while it works, sends the
response back, and waits (with backoff) while the server cannot be reached.

With several URLs, a request that a server cannot take (connection refused or reset, no reply
in time, 502, 503 or 504) goes at once to the next URL, and later requests start from the
one that answered; the log says which server the bee moved to. The bee waits with backoff
only once every URL failed. The task in hand carries on through another server: its lease
and its answer live in the shared database.

The first Ctrl-C (SIGINT or SIGTERM) stops taking tasks and finishes the one in hand; a
second one ends the command in hand (its whole process group) and gives the task back.`;

const FLAGS = {
  bot: { type: 'string' },
  root: { type: 'string' },
  url: { type: 'string', multiple: true },
  token: { type: 'string' },
  name: { type: 'string' },
  exec: { type: 'string' },
  'exec-lane': { type: 'string', multiple: true },
  'exec-timeout': { type: 'string' },
  config: { type: 'string' },
  once: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const ConfigSchema = z.strictObject({
  exec: z.string().min(1).optional(),
  lanes: z.record(z.string(), z.string().min(1)).optional(),
  exec_timeout_seconds: z.number().positive().optional(),
});

export class UsageError extends Error {}

export interface BeeCliOptions {
  help: boolean;
  botId: string;
  root: string;
  /**
   * The servers to work for over HTTP (one or more, in the order given; several serve one
   * hive in PostgreSQL mode), each without a trailing slash; null: the hive folder at `root`.
   */
  url: readonly string[] | null;
  token: string | null;
  name: string;
  once: boolean;
  handlerFor(task: TaskFile): Handler;
  describe: string;
}

/** Parses `argv` strictly; a misspelt flag is a usage error that suggests the closest one. */
export function parseFlags<F extends NonNullable<ParseArgsConfig['options']>>(argv: string[], flags: F) {
  try {
    return parseArgs({ args: argv, options: flags, allowPositionals: false, strict: true }).values;
  } catch (err) {
    const unknown = /Unknown option '--?([^']+)'/.exec((err as Error).message)?.[1];
    const suggestion = unknown ? closest(unknown, Object.keys(flags)) : null;
    const hint = suggestion ? ` Did you mean --${suggestion}?` : '';
    throw new UsageError(`${(err as Error).message}.${hint} See --help.`);
  }
}

/**
 * --url (one server, as the bridge takes it) and --token: the server must be an http(s) URL;
 * the token defaults to a bee token from the environment, then the operator's.
 */
export function parseServerFlags(
  values: { url?: string; token?: string },
  env: NodeJS.ProcessEnv,
): { url: string | null; token: string | null } {
  if (values.url === undefined) {
    if (values.token !== undefined) throw new UsageError('--token only applies with --url');
    return { url: null, token: null };
  }
  return { url: serverUrl(values.url), token: tokenOf(values, env) };
}

/**
 * --url given once or more, each a single URL or a comma-separated list (the servers of one
 * hive in PostgreSQL mode), and --token as in parseServerFlags. Every entry must be an
 * http(s) URL; an empty entry or one listed twice is refused, so a typo drops no server.
 */
export function parseServerUrls(
  values: { url?: string[]; token?: string },
  env: NodeJS.ProcessEnv,
): { url: string[] | null; token: string | null } {
  if (values.url === undefined) {
    if (values.token !== undefined) throw new UsageError('--token only applies with --url');
    return { url: null, token: null };
  }
  const urls: string[] = [];
  for (const given of values.url) {
    // A lone URL is checked as it was given, so `--url ""` says what a URL should look like.
    const entries = given.includes(',') ? given.split(',').map((part) => part.trim()) : [given];
    for (const entry of entries) {
      if (!entry && entries.length > 1)
        throw new UsageError(
          `--url "${given}" has an empty entry: separate the servers with single commas, such as http://a:8010,http://b:8010`,
        );
      const url = serverUrl(entry);
      if (urls.includes(url)) throw new UsageError(`--url lists ${url} twice`);
      urls.push(url);
    }
  }
  return { url: urls, token: tokenOf(values, env) };
}

function tokenOf(values: { token?: string }, env: NodeJS.ProcessEnv): string | null {
  return values.token ?? (env.HIVE_BEE_TOKEN || env.HIVE_API_TOKEN || null);
}

/** One server's address as the client uses it: origin and path, without a trailing slash. */
function serverUrl(given: string): string {
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    throw new UsageError(`--url must be the server's address, such as http://127.0.0.1:8010; got "${given}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError(`--url must start with http:// or https://; got "${given}"`);
  return url.origin + url.pathname.replace(/\/+$/, '');
}

export function parseBeeArgs(argv: string[], env: NodeJS.ProcessEnv): BeeCliOptions {
  const values = parseFlags(argv, FLAGS);
  if (values.url !== undefined && values.root !== undefined)
    throw new UsageError(
      '--root and --url do not go together: with --url the bee works over HTTP and touches no local hive folder',
    );
  const server = parseServerUrls(values, env);
  const config = values.config ? loadConfig(values.config) : {};
  const bot = BotIdSchema.safeParse(values.bot ?? DEFAULT_BOT_ID);
  if (!bot.success) throw new UsageError(`--bot: ${bot.error.issues[0]?.message}`);
  const name = BeeNameSchema.safeParse(values.name ?? bot.data);
  if (!name.success) throw new UsageError(`--name: ${name.error.issues[0]?.message}`);
  const timeoutSeconds =
    values['exec-timeout'] !== undefined ? Number(values['exec-timeout']) : (config.exec_timeout_seconds ?? 600);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0)
    throw new UsageError('--exec-timeout must be a positive number of seconds');

  const lanes: Record<string, string> = { ...config.lanes };
  for (const entry of values['exec-lane'] ?? []) {
    const at = entry.indexOf('=');
    if (at < 1) throw new UsageError(`--exec-lane takes LANE=CMD, got "${entry}"`);
    lanes[entry.slice(0, at)] = entry.slice(at + 1);
  }
  const fallbackCommand = values.exec ?? config.exec;
  const builtin = builtinHandler(bot.data);
  const handlers = new Map(Object.entries(lanes).map(([lane, cmd]) => [lane, execHandler(cmd, timeoutSeconds * 1000)]));
  const fallback = fallbackCommand ? execHandler(fallbackCommand, timeoutSeconds * 1000) : builtin;
  const describe = [
    ...Object.entries(lanes).map(([lane, cmd]) => `lane ${lane}: ${cmd}`),
    fallbackCommand ? `otherwise: ${fallbackCommand}` : 'otherwise: built-in Markdown answer',
  ].join('; ');

  return {
    help: values.help ?? false,
    botId: bot.data,
    root: values.root ?? env.HIVE_ROOT ?? process.cwd(),
    ...server,
    name: name.data,
    once: values.once ?? false,
    handlerFor: (task) => handlers.get(task.lane) ?? fallback,
    describe,
  };
}

function loadConfig(file: string): z.infer<typeof ConfigSchema> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`--config ${file}: ${(err as Error).message}`);
  }
  const parsed = ConfigSchema.safeParse(json);
  if (!parsed.success) throw new UsageError(`--config ${file}: ${describeIssues(parsed.error)}`);
  return parsed.data;
}
