/** Flag parsing on util.parseArgs (strict): typed values, and refusals that name the flag you meant. */
import { parseArgs } from 'node:util';
import { usageError } from './errors';
import { closest } from '../lib/suggest';

export interface FlagSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** What the value looks like in help (`--limit N`). */
  placeholder?: string;
  help: string;
}
export type FlagSpecs = Record<string, FlagSpec>;

export const GLOBAL_FLAGS = {
  url: { type: 'string', placeholder: 'URL', help: 'server to talk to (default $HIVE_URL or http://127.0.0.1:8010)' },
  json: { type: 'boolean', help: 'machine-readable JSON on stdout' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
} as const satisfies FlagSpecs;

export function parseFlags<const T extends FlagSpecs>(argv: string[], flags: T, command: string) {
  const options = { ...GLOBAL_FLAGS, ...flags };
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: true });
  } catch (err) {
    throw explain(err, Object.keys(options), command);
  }
}

function explain(err: unknown, known: string[], command: string) {
  const { code, message } = err as { code?: string; message?: string };
  const text = message ?? String(err);
  const flag = /'(-[^' <]+)/.exec(text)?.[1] ?? '';
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const name = flag.replace(/^-+/, '').split('=')[0] ?? '';
    const guess = closest(name, known);
    return usageError(
      `Unknown flag ${flag} for \`hive ${command}\`.${guess ? ` Did you mean --${guess}?` : ''}`,
      `Valid flags: ${known.map((k) => `--${k}`).join(', ')}. See \`hive ${command} --help\`.`,
    );
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    if (text.includes('does not take an argument')) return usageError(`${flag} is a switch and takes no value.`);
    if (text.includes('ambiguous')) {
      return usageError(
        `${flag} needs a value, but the next word is another flag.`,
        `To pass a value that starts with '-', write ${flag}=-value.`,
      );
    }
    return usageError(`${flag} needs a value.`, `See \`hive ${command} --help\`.`);
  }
  return usageError(text);
}

/** Every missing required flag at once, so one retry fixes them all. */
export function requireFlags(values: Record<string, unknown>, names: readonly string[], command: string): void {
  const missing = names.filter((name) => values[name] === undefined);
  if (missing.length) {
    throw usageError(
      `Missing required flag${missing.length > 1 ? 's' : ''} for \`hive ${command}\`: ${missing.map((m) => `--${m}`).join(', ')}.`,
      `See \`hive ${command} --help\`.`,
    );
  }
}

/** A number given on the command line; range rules stay with the server, which owns them. */
export function numberFlag(value: string | undefined, flag: string, integer = false): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    throw usageError(`--${flag} must be ${integer ? 'a whole number' : 'a number'} (got "${value}").`);
  }
  return n;
}

export function expectPositionals(positionals: string[], names: readonly string[], command: string): void {
  if (positionals.length > names.length) {
    const extra = positionals
      .slice(names.length)
      .map((p) => `"${p}"`)
      .join(' ');
    throw usageError(
      `Unexpected argument${positionals.length - names.length > 1 ? 's' : ''} ${extra} for \`hive ${command}\`.`,
      `Values go after their flag (--title "…"); quote text with spaces. See \`hive ${command} --help\`.`,
    );
  }
}

/** The one positional a command needs (`hive cancel TASK_ID`): refused when missing or followed by others. */
export function onePositional(positionals: string[], name: string, command: string, hint: string): string {
  expectPositionals(positionals, [name], command);
  const value = positionals[0];
  if (value === undefined) throw usageError(`Missing ${name}: \`hive ${command} ${name}\`.`, hint);
  return value;
}
