/**
 * Export (DESIGN §7): the filtered task list as JSON, CSV or NDJSON, produced a page at a
 * time so that 100,000 tasks never sit in memory at once; and one task's whole history.
 * The CSV opens in a spreadsheet as it is: a header row, RFC 4180 quoting (commas, quotes,
 * line breaks), and cells that would start a formula made inert with a leading `'`.
 */
import type { ExportInput } from '../../contracts/actions';
import type { TaskRow } from '../../contracts/task-list';
import type { StuckCriteria, TaskView } from '../task-view';

const PAGE = 500;

export const CSV_COLUMNS = [
  'task_id',
  'bot_id',
  'intent',
  'title',
  'state',
  'status',
  'lane',
  'provider',
  'delivery_mode',
  'rule',
  'routing_source',
  'created_at',
  'updated_at',
  'state_since',
  'claimed_by',
  'claimed_by_bee',
  'attempt',
  'completed_at',
  'response_path',
  'retried_from',
  'retried_by',
  'task_path',
] as const satisfies readonly (keyof TaskRow)[];

export const EXPORT_CONTENT_TYPES = {
  json: 'application/json; charset=utf-8',
  ndjson: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
} as const;

/** One CSV cell: quoted when it holds a comma, a quote or a line break; never read as a formula. */
export function csvCell(value: unknown): string {
  let text = value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The export, a chunk (a page of rows) at a time, newest task first. */
export async function* exportTasks(view: TaskView, input: ExportInput, stuck: StuckCriteria): AsyncGenerator<string> {
  const { format, ...filter } = input;
  if (format === 'csv') yield `${CSV_COLUMNS.join(',')}\r\n`;
  if (format === 'json') yield '[';
  let first = true;
  for (let cursor: number | null | undefined = undefined; ;) {
    const page = view.list({ ...filter, cursor, limit: PAGE }, stuck);
    if (page.items.length === 0) break;
    let chunk = '';
    for (const row of page.items) {
      if (format === 'csv') chunk += `${CSV_COLUMNS.map((c) => csvCell(row[c])).join(',')}\r\n`;
      else if (format === 'ndjson') chunk += `${JSON.stringify(row)}\n`;
      else chunk += `${first ? '\n' : ',\n'}${JSON.stringify(row)}`;
      first = false;
    }
    yield chunk;
    if (page.next_cursor === null) break;
    cursor = page.next_cursor;
    // Let requests in between pages be answered: an export never holds the server.
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (format === 'json') yield first ? ']\n' : '\n]\n';
}
