/** A command: its flags and help, and the shared path from argv to an exit code (parse, connect, run, report). */
import { parseFlags, type FlagSpecs } from './args';
import { createHiveClient, DEFAULT_URL, normalizeBaseUrl, type HiveClient } from './client';
import { toCliError, usageError } from './errors';
import { EXIT, type ExitCode } from './exit-codes';
import { commandHelp } from './help';
import { Output } from './output';

export type FlagValues<T extends FlagSpecs> = ReturnType<typeof parseFlags<T>>['values'];

export interface CommandContext<T extends FlagSpecs> {
  flags: FlagValues<T>;
  positionals: string[];
  client: HiveClient;
  url: string;
  out: Output;
}

export interface CommandSpec<T extends FlagSpecs> {
  name: string;
  summary: string;
  usage: string;
  description: string;
  flags: T;
  /** Server field names as this command's flags, for error messages. */
  fieldFlags?: Record<string, string>;
  examples: string[];
  run(ctx: CommandContext<T>): Promise<ExitCode>;
}

export interface Command {
  name: string;
  summary: string;
  help(): string;
  execute(argv: string[]): Promise<ExitCode>;
}

function resolveUrl(flag: string | undefined): string {
  const raw = flag ?? process.env.HIVE_URL ?? DEFAULT_URL;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw usageError(`${flag ? '--url' : 'HIVE_URL'} is not a URL: "${raw}".`, `Example: --url ${DEFAULT_URL}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw usageError(`${flag ? '--url' : 'HIVE_URL'} must be an http:// or https:// URL (got "${raw}").`);
  }
  return normalizeBaseUrl(raw);
}

export function defineCommand<const T extends FlagSpecs>(spec: CommandSpec<T>): Command {
  const help = () => commandHelp(spec);
  return {
    name: spec.name,
    summary: spec.summary,
    help,
    async execute(argv) {
      // Until the flags parse, guess the output mode so even a usage error can come out as JSON.
      let out = new Output(argv.includes('--json'));
      let url = process.env.HIVE_URL ?? DEFAULT_URL;
      try {
        const { values, positionals } = parseFlags(argv, spec.flags, spec.name);
        // parseFlags always adds the global flags; inside this generic TypeScript cannot see them.
        const globals = values as { json?: boolean; help?: boolean; url?: string };
        out = new Output(globals.json === true);
        if (globals.help) {
          process.stdout.write(help());
          return EXIT.ok;
        }
        url = resolveUrl(globals.url);
        return await spec.run({ flags: values, positionals, client: createHiveClient(url), url, out });
      } catch (err) {
        const error = toCliError(err, url);
        out.error(error, spec.fieldFlags);
        return error.exitCode;
      }
    },
  };
}
