/** `hive run-many FILE`: dispatch a batch of tasks from a JSON array or an NDJSON file, one result line per task. */
import { readFile } from 'node:fs/promises';
import { RUN_MANY_MAX } from '../../../server/contracts/actions';
import { onePositional } from '../args';
import type { RouterOutputs } from '../client';
import { defineCommand } from '../command';
import { usageError } from '../errors';
import { EXIT } from '../exit-codes';
import { table, truncate } from '../output';
import { readStdin } from '../stdin';

type Result = RouterOutputs['tasks']['runMany']['results'][number];

interface Batch {
  tasks: unknown[];
  /** The line each task was on, for NDJSON (null for a JSON array). */
  lines: Array<number | null>;
}

/** A JSON array, or one JSON value per line (blank lines skipped); a line that is not JSON stops everything. */
export function parseBatch(text: string, source: string): Batch {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (err) {
      throw usageError(`${source} is not a JSON array: ${(err as Error).message}.`, 'Nothing was dispatched.');
    }
    if (!Array.isArray(parsed)) throw usageError(`${source} is not a JSON array.`);
    return { tasks: parsed, lines: parsed.map(() => null) };
  }
  const batch: Batch = { tasks: [], lines: [] };
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      batch.tasks.push(JSON.parse(line));
    } catch (err) {
      throw usageError(`${source}, line ${i + 1} is not JSON: ${(err as Error).message}.`, 'Nothing was dispatched.');
    }
    batch.lines.push(i + 1);
  });
  return batch;
}

/** `title: title is required; bot_id: …`, or the message when the item as a whole is wrong. */
function why(result: Extract<Result, { status: 'error' }>): string {
  const fields = Object.entries(result.error.fields ?? {});
  if (fields.length === 0) return result.error.message;
  return fields
    .map(([field, messages]) => (field === '_' ? messages : messages.map((m) => `${field}: ${m}`)).join('; '))
    .join('; ');
}

export const runManyCommand = defineCommand({
  name: 'run-many',
  summary: `dispatch a batch of up to ${RUN_MANY_MAX.toLocaleString('en-US')} tasks from a JSON array or NDJSON file`,
  usage: 'run-many FILE|-',
  description:
    'Each task is an object as for `hive run` over the API (intent, title, summary, bot_id, kb_entities,\n' +
    `task_id), in a JSON array or one per line (NDJSON); '-' reads stdin. At most ${RUN_MANY_MAX.toLocaleString('en-US')} per batch.\n` +
    'Each is checked and dispatched on its own, so bad items do not stop the rest: one line per item\n' +
    'says its task id, or its index (and line) and what is wrong with which field. Exits 8 if any failed.',
  flags: {},
  fieldFlags: { tasks: 'FILE' },
  examples: [
    'hive run-many tasks.ndjson',
    'hive run-many tasks.json --json | jq -r "select(.status == \\"dispatched\\").task_id"',
    'jq -c ".[]" plan.json | hive run-many -',
  ],
  async run({ positionals, client, out }) {
    const file = onePositional(positionals, 'FILE', 'run-many', "Give a JSON or NDJSON file, or '-' for stdin.");
    let text: string;
    try {
      text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
    } catch (err) {
      throw usageError(`Cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)}).`);
    }
    const source = file === '-' ? 'stdin' : file;
    const batch = parseBatch(text, source);
    if (batch.tasks.length === 0) throw usageError(`${source} holds no tasks.`);
    if (batch.tasks.length > RUN_MANY_MAX) {
      throw usageError(
        `${source} holds ${batch.tasks.length} tasks; at most ${RUN_MANY_MAX} go in one batch. Nothing was dispatched.`,
        `Split it, e.g. \`split -l ${RUN_MANY_MAX} tasks.ndjson part-\`, and run each part.`,
      );
    }

    const { results } = await client.tasks.runMany.mutate({ tasks: batch.tasks });
    const item = (i: number) => {
      const line = batch.lines[i];
      return line === null || line === undefined ? String(i) : `${i} (line ${line})`;
    };
    if (out.json) {
      results.forEach((r, i) => out.data({ ...r, index: i, ...(batch.lines[i] ? { line: batch.lines[i] } : {}) }));
    } else {
      const rows = results.map((r, i) =>
        r.status === 'dispatched'
          ? [item(i), 'dispatched', r.task_id, `${r.bot_id}, ${r.lane}/${r.provider}, ${r.state}`]
          : [item(r.index), 'error', r.error.code, truncate(why(r), 300)],
      );
      out.line(table(['ITEM', 'RESULT', 'TASK / CODE', 'DETAIL'], rows));
    }
    const failed = results.filter((r) => r.status === 'error').length;
    out.note(`dispatched ${results.length - failed} of ${results.length}${failed ? `; ${failed} failed` : ''}`);
    return failed ? EXIT.someFailed : EXIT.ok;
  },
});
