/** `hive reassign ID --bot BOT`: move a task no bee has claimed to another bot's inbox. */
import { onePositional, requireFlags } from '../args';
import { defineCommand } from '../command';
import { EXIT } from '../exit-codes';
import { formatReassign } from '../format-actions';

export const reassignCommand = defineCommand({
  name: 'reassign',
  summary: "move an unclaimed task to another bot's inbox (--dry-run to see what would happen)",
  usage: 'reassign TASK_ID --bot ID [--dry-run]',
  description:
    "Moves the task file to the other bot's inbox (or holds it there while that bot is paused) and\n" +
    'prints the warnings, e.g. that no live bee serves that bot. A task a bee has claimed is refused\n' +
    'with exit code 7: cancel it and retry it for the other bot instead.',
  flags: {
    bot: { type: 'string', placeholder: 'ID', help: 'the bot to give the task to' },
    'dry-run': { type: 'boolean', help: 'say what would happen, change nothing' },
  },
  fieldFlags: { task_id: 'TASK_ID', bot_id: '--bot', dry_run: '--dry-run' },
  examples: [
    'hive reassign TASK-20261125114941-5f88e3 --bot BEE-002 --dry-run',
    'hive reassign TASK-20261125114941-5f88e3 --bot BEE-002',
  ],
  async run({ flags, positionals, client, out }) {
    const taskId = onePositional(positionals, 'TASK_ID', 'reassign', 'Find ids with `hive list --state waiting`.');
    requireFlags(flags, ['bot'], 'reassign');
    const dryRun = flags['dry-run'] === true;
    const result = await client.tasks.reassign.mutate({ task_id: taskId, bot_id: flags.bot ?? '', dry_run: dryRun });
    if (out.json) out.data(result);
    else out.line(formatReassign(result));
    return EXIT.ok;
  },
});
