/**
 * `hive export`: the filtered task list as CSV, JSON or NDJSON, or one task's whole history,
 * to stdout or a file. The list is streamed from the server to its destination as it comes,
 * so an export of any size holds one chunk in memory; a file appears whole or not at all.
 */
import { createWriteStream } from 'node:fs';
import { rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { EXPORT_FORMATS } from '../../../server/contracts/actions';
import { closest } from '../../lib/suggest';
import { expectPositionals } from '../args';
import { defineCommand } from '../command';
import { CliError, toCliError, usageError } from '../errors';
import { EXIT } from '../exit-codes';
import { FILTER_FIELD_FLAGS, FILTER_FLAGS, filterFromFlags, filterQuery, hasFilter } from '../filters';
import { restGet } from '../rest';

type Format = (typeof EXPORT_FORMATS)[number];
const isFormat = (word: string): word is Format => (EXPORT_FORMATS as readonly string[]).includes(word);

/** --format, else what --out's extension says, else JSON (as the server's default). */
function chooseFormat(flag: string | undefined, out: string | undefined): Format {
  if (flag !== undefined) {
    if (isFormat(flag)) return flag;
    const guess = closest(flag, EXPORT_FORMATS);
    throw usageError(
      `--format must be one of ${EXPORT_FORMATS.join(', ')} (got "${flag}").${guess ? ` Did you mean ${guess}?` : ''}`,
    );
  }
  const ext = out ? path.extname(out).toLowerCase() : '';
  if (ext === '.csv') return 'csv';
  if (ext === '.ndjson' || ext === '.jsonl') return 'ndjson';
  return 'json';
}

function source(body: ReadableStream<Uint8Array>): Readable {
  // The DOM and Node typings of web streams differ only on paper.
  return Readable.fromWeb(body as WebReadableStream<Uint8Array>);
}

/** A failure of the copy: writing the file (a local problem), or the server's stream ending early. */
function copyFailure(err: unknown, url: string, out: string | undefined): CliError {
  const local = err as NodeJS.ErrnoException;
  if (out !== undefined && typeof local.syscall === 'string') {
    return new CliError(EXIT.invalidInput, `Cannot write ${out} (${local.code ?? local.message}).`, { code: 'OUT' });
  }
  const cause = toCliError(err, url);
  const why = cause.exitCode === EXIT.unreachable ? `the connection to ${url} was lost` : cause.message;
  const file = out !== undefined ? `; ${out} was not written` : '';
  return new CliError(EXIT.serverError, `The export was cut off before its end: ${why}${file}.`, { code: 'CUT_OFF' });
}

/** Streams to a hidden file beside `out`, renamed over it once complete, so a failed export leaves nothing half-written. */
async function writeFileFrom(body: ReadableStream<Uint8Array>, out: string): Promise<number> {
  const tmp = path.join(path.dirname(out), `.${path.basename(out)}.${process.pid}.part`);
  try {
    await pipeline(source(body), createWriteStream(tmp, { flags: 'wx' }));
    await rename(tmp, out);
    return (await stat(out)).size;
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

export const exportCommand = defineCommand({
  name: 'export',
  summary: "export the task list (CSV, JSON, NDJSON), or one task's history, to stdout or a file",
  usage: 'export [FILTERS] [--format csv|json|ndjson] [--out FILE]\n       hive export TASK_ID [--out FILE]',
  description:
    'Streams every task matching the filters of `hive list` (all tasks without filters), newest first,\n' +
    'as it comes from the server. CSV has a header row and RFC 4180 quoting, ready for a spreadsheet.\n' +
    'The format is --format, else the extension of --out (.csv, .ndjson/.jsonl, .json), else JSON.\n' +
    'With a TASK_ID it writes that task’s whole history as JSON: its row, task file, every ledger\n' +
    'event and its response. --out writes the file whole (beside it first, then renamed into place).',
  flags: {
    ...FILTER_FLAGS,
    format: { type: 'string', placeholder: 'FORMAT', help: `one of ${EXPORT_FORMATS.join(', ')}` },
    out: { type: 'string', placeholder: 'FILE', help: 'write to this file instead of stdout' },
  },
  fieldFlags: { ...FILTER_FIELD_FLAGS, format: '--format', taskId: 'TASK_ID' },
  examples: [
    'hive export --state waiting --format csv > waiting.csv',
    'hive export --bot BEE-002 --out bee-002.ndjson',
    'hive export --search hello --format ndjson | jq -r .task_id',
    'hive export TASK-20261125114941-5f88e3 --out task.json',
  ],
  async run({ flags, positionals, url, out }) {
    expectPositionals(positionals, ['TASK_ID'], 'export');
    const taskId = positionals[0];
    const filter = filterFromFlags(flags);
    const format = chooseFormat(flags.format, flags.out);

    let pathAndQuery: string;
    if (taskId !== undefined) {
      if (hasFilter(filter)) throw usageError('`hive export TASK_ID` exports one task; it takes no filters.');
      if (format !== 'json') throw usageError("A task's history is JSON; drop --format.");
      pathAndQuery = `/api/tasks/${encodeURIComponent(taskId)}/export`;
    } else {
      pathAndQuery = `/api/tasks/export?${filterQuery(filter).toString()}&format=${format}`;
    }

    const res = await restGet(url, pathAndQuery);
    if (taskId !== undefined && flags.out === undefined) {
      // One task's history is small: written whole, ending its line like every other command's output.
      const text = await res.text();
      out.line(text.replace(/\n$/, ''));
      return EXIT.ok;
    }
    const body = res.body;
    if (!body) throw new CliError(EXIT.serverError, 'The server sent an empty reply to the export.');
    let bytes: number;
    try {
      if (flags.out === undefined) {
        await pipeline(source(body), process.stdout, { end: false });
        return EXIT.ok;
      }
      bytes = await writeFileFrom(body, flags.out);
    } catch (err) {
      throw copyFailure(err, url, flags.out);
    }
    if (out.json) out.data({ out: flags.out, format: taskId !== undefined ? 'json' : format, bytes });
    else out.note(`wrote ${flags.out} (${bytes.toLocaleString('en-US')} bytes)`);
    return EXIT.ok;
  },
});
