/** `hive cancel ID`: take a task out of the inbox, or ask the bee working on it to stop. */
import { onePositional } from '../args';
import { defineCommand } from '../command';
import { EXIT } from '../exit-codes';
import { formatCancel } from '../format-actions';

export const cancelCommand = defineCommand({
  name: 'cancel',
  summary: 'cancel a task (unclaimed: at once; claimed: its bee is asked to stop)',
  usage: 'cancel TASK_ID [--reason TEXT]',
  description:
    'A task no bee has claimed leaves the inbox at once and no bee can take it afterwards: cancelled.\n' +
    'A claimed task gets a cancel request that its bee acts on (ending the whole command): it is\n' +
    'cancelling until the bee acknowledges, then cancelled. A task that has already ended is refused\n' +
    'with exit code 7 and the reason.',
  flags: {
    reason: { type: 'string', placeholder: 'TEXT', help: 'why, recorded in the ledger (and shown to a retry)' },
  },
  fieldFlags: { task_id: 'TASK_ID', reason: '--reason' },
  examples: ['hive cancel TASK-20261125114941-5f88e3', 'hive cancel TASK-20261125114941-5f88e3 --reason "wrong repo"'],
  async run({ flags, positionals, client, out }) {
    const taskId = onePositional(positionals, 'TASK_ID', 'cancel', 'Find ids with `hive list`.');
    const result = await client.tasks.cancel.mutate({
      task_id: taskId,
      ...(flags.reason !== undefined ? { reason: flags.reason } : {}),
    });
    if (out.json) out.data(result);
    else out.line(formatCancel(result));
    if (result.state === 'cancelling') {
      out.note(`The bee holding ${taskId} was asked to stop; \`hive status ${taskId}\` shows cancelled once it has.`);
    }
    return EXIT.ok;
  },
});
