/** `hive list`: tasks newest first, filtered like the dashboard. */
import { expectPositionals, numberFlag } from '../args';
import { defineCommand } from '../command';
import { EXIT } from '../exit-codes';
import { formatTaskRows } from '../format';

export const listCommand = defineCommand({
  name: 'list',
  summary: 'list tasks, newest first, with filters',
  usage: 'list [--status S] [--lane L] [--provider P] [--bot ID] [--intent I] [--search WORDS] [--limit N]',
  description:
    'One row per task. Filters combine; --search matches words of the title or summary, or the start of a task id.',
  flags: {
    status: { type: 'string', placeholder: 'S', help: 'active, completed, archived, … (as the task file says)' },
    lane: { type: 'string', placeholder: 'L', help: 'e.g. terminal, llm' },
    provider: { type: 'string', placeholder: 'P', help: 'e.g. cli, default' },
    bot: { type: 'string', placeholder: 'ID', help: 'the bee it was given to' },
    intent: { type: 'string', placeholder: 'I', help: 'the intent it was sent with' },
    search: { type: 'string', placeholder: 'WORDS', help: 'words in title or summary, or a task id prefix' },
    limit: { type: 'string', placeholder: 'N', help: 'rows to show, 1-200 (default 50)' },
    cursor: { type: 'string', placeholder: 'SEQ', help: 'continue after a previous page (printed when there is more)' },
  },
  fieldFlags: {
    status: '--status',
    lane: '--lane',
    provider: '--provider',
    bot_id: '--bot',
    intent: '--intent',
    search: '--search',
    limit: '--limit',
    cursor: '--cursor',
  },
  examples: ['hive list', 'hive list --status active --lane terminal', 'hive list --search hello --limit 5 --json'],
  async run({ flags, positionals, client, out }) {
    expectPositionals(positionals, [], 'list');
    const limit = numberFlag(flags.limit, 'limit', true);
    const cursor = numberFlag(flags.cursor, 'cursor', true);
    const page = await client.tasks.list.query({
      status: flags.status,
      lane: flags.lane,
      provider: flags.provider,
      bot_id: flags.bot,
      intent: flags.intent,
      search: flags.search,
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
