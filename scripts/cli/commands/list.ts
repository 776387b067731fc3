/** `hive list`: tasks newest first, filtered like the dashboard. */
import { expectPositionals, numberFlag } from '../args';
import { defineCommand } from '../command';
import { EXIT } from '../exit-codes';
import { FILTER_FIELD_FLAGS, FILTER_FLAGS, filterFromFlags } from '../filters';
import { formatTaskRows } from '../format';

export const listCommand = defineCommand({
  name: 'list',
  summary: 'list tasks, newest first, with filters',
  usage:
    'list [--state STATE] [--stuck] [--status S] [--lane L] [--provider P] [--bot ID] [--intent I] [--search WORDS] [--limit N]',
  description:
    'One row per task, with its delivery state (waiting, held, claimed, in_progress, blocked, completed,\n' +
    'cancelling, cancelled) beside the status its task file says. Filters combine; --search matches words\n' +
    'of the title or summary, or the start of a task id; --stuck keeps the tasks `hive bots` warns about.',
  flags: {
    ...FILTER_FLAGS,
    limit: { type: 'string', placeholder: 'N', help: 'rows to show, 1-200 (default 50)' },
    cursor: { type: 'string', placeholder: 'SEQ', help: 'continue after a previous page (printed when there is more)' },
  },
  fieldFlags: { ...FILTER_FIELD_FLAGS, limit: '--limit', cursor: '--cursor' },
  examples: [
    'hive list',
    'hive list --state waiting --bot BEE-001',
    'hive list --stuck',
    'hive list --status active --lane terminal',
    'hive list --search hello --limit 5 --json',
  ],
  async run({ flags, positionals, client, out }) {
    expectPositionals(positionals, [], 'list');
    const filter = filterFromFlags(flags);
    const limit = numberFlag(flags.limit, 'limit', true);
    const cursor = numberFlag(flags.cursor, 'cursor', true);
    const page = await client.tasks.list.query({
      ...filter,
      ...(limit !== undefined ? { limit } : {}),
      ...(cursor !== undefined ? { cursor } : {}),
    });
    if (out.json) {
      out.data(page);
      return EXIT.ok;
    }
    if (page.items.length === 0) {
      out.note('No tasks match.');
      return EXIT.ok;
    }
    out.line(formatTaskRows(page.items));
    if (page.next_cursor !== null) out.note(`More: add --cursor ${page.next_cursor}`);
    return EXIT.ok;
  },
});
