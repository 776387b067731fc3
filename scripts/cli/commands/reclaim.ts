/** `hive reclaim ID`: release the claim of a bee that is gone, so the task waits for a live one. */
import { onePositional } from '../args';
import { defineCommand } from '../command';
import { EXIT } from '../exit-codes';
import { formatReclaim } from '../format-actions';

export const reclaimCommand = defineCommand({
  name: 'reclaim',
  summary: 'release a stale claim (its bee is not live): the task waits again',
  usage: 'reclaim TASK_ID',
  description:
    'For a task `hive bots` reports as stale_claim: the bee that claimed it is no longer live, so the\n' +
    'claim is released and the task waits in its inbox again, for the next attempt. A task whose bee\n' +
    'is live, or that no bee holds, is refused with exit code 7.',
  flags: {},
  fieldFlags: { task_id: 'TASK_ID' },
  examples: ['hive reclaim TASK-20261125114941-5f88e3', 'hive bulk reclaim --stuck --state claimed --wait'],
  async run({ positionals, client, out }) {
    const taskId = onePositional(positionals, 'TASK_ID', 'reclaim', 'Find stale claims with `hive bots`.');
    const result = await client.tasks.reclaim.mutate({ task_id: taskId });
    if (out.json) out.data(result);
    else out.line(formatReclaim(result));
    return EXIT.ok;
  },
});
