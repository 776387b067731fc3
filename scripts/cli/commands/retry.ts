/** `hive retry ID`: dispatch an ended or blocked task again, as a new task, optionally edited. */
import { onePositional } from '../args';
import { defineCommand } from '../command';
import { EXIT } from '../exit-codes';
import { formatRetry } from '../format-actions';
import { readStdin } from '../stdin';

export const retryCommand = defineCommand({
  name: 'retry',
  summary: 'retry an ended or blocked task as a new task, optionally edited',
  usage: 'retry TASK_ID [--title TEXT] [--summary TEXT|-] [--intent INTENT] [--bot ID] [--kb NAME]... [--reason TEXT]',
  description:
    'Dispatches a new task, routed afresh, with what the old one asked except the fields given here.\n' +
    'Its task file names the task it retries, its attempt number and how the previous attempt ended.\n' +
    'A task still waiting or in progress is refused with exit code 7 (cancel it first).',
  flags: {
    title: { type: 'string', placeholder: 'TEXT', help: 'a new title' },
    summary: { type: 'string', placeholder: 'TEXT', help: "a new summary ('-' reads stdin)" },
    intent: { type: 'string', placeholder: 'INTENT', help: 'a new intent (routes it afresh)' },
    bot: { type: 'string', placeholder: 'ID', help: 'give the new attempt to another bot' },
    kb: { type: 'string', multiple: true, placeholder: 'NAME', help: 'knowledge-base entities (replace the old ones)' },
    reason: { type: 'string', placeholder: 'TEXT', help: 'why, recorded in the ledger' },
  },
  fieldFlags: {
    task_id: 'TASK_ID',
    title: '--title',
    summary: '--summary',
    intent: '--intent',
    bot_id: '--bot',
    kb_entities: '--kb',
    reason: '--reason',
  },
  examples: [
    'hive retry TASK-20261125114941-5f88e3',
    'hive retry TASK-20261125114941-5f88e3 --summary "Use Python 3.12" --reason "wrong version"',
    'hive retry TASK-20261125114941-5f88e3 --summary - < better-spec.md',
  ],
  async run({ flags, positionals, client, out }) {
    const taskId = onePositional(positionals, 'TASK_ID', 'retry', 'Find ids with `hive list --state cancelled`.');
    const summary = flags.summary === '-' ? await readStdin() : flags.summary;
    const result = await client.tasks.retry.mutate({
      task_id: taskId,
      ...(flags.title !== undefined ? { title: flags.title } : {}),
      ...(summary !== undefined ? { summary } : {}),
      ...(flags.intent !== undefined ? { intent: flags.intent } : {}),
      ...(flags.bot !== undefined ? { bot_id: flags.bot } : {}),
      ...(flags.kb ? { kb_entities: flags.kb } : {}),
      ...(flags.reason !== undefined ? { reason: flags.reason } : {}),
    });
    if (out.json) out.data(result);
    else out.line(formatRetry(result));
    return EXIT.ok;
  },
});
