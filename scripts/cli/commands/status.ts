/** `hive status ID`: where one task stands, with the response preview once it has one. */
import { expectPositionals } from '../args';
import { defineCommand } from '../command';
import { usageError } from '../errors';
import { EXIT } from '../exit-codes';
import type { RouterOutputs } from '../client';
import { formatStatus } from '../format';

type Status = RouterOutputs['tasks']['status'];
type NotFound = Extract<Status, { status: 'not_found' }>;

/** A task file may hold any status a bee wrote, so "not found" is the reply without a task or response. */
function isNotFound(status: Status): status is NotFound {
  return status.status === 'not_found' && !('task' in status) && !('content' in status);
}

export const statusCommand = defineCommand({
  name: 'status',
  summary: "show a task's status, or its response once a bee has answered",
  usage: 'status TASK_ID',
  description: 'Prints the task (status, route, task file) or, once answered, the response preview.',
  flags: {},
  fieldFlags: { task_id: 'TASK_ID' },
  examples: ['hive status TASK-20261125114941-5f88e3', 'hive status TASK-20261125114941-5f88e3 --json | jq -r .status'],
  async run({ positionals, client, out }) {
    expectPositionals(positionals, ['TASK_ID'], 'status');
    const taskId = positionals[0];
    if (taskId === undefined)
      throw usageError('Missing the task id: `hive status TASK_ID`.', 'Find ids with `hive list`.');
    const status = await client.tasks.status.query({ task_id: taskId });
    if (out.json) out.data(status);
    if (isNotFound(status)) {
      out.note(`error: no task ${taskId} in this hive. Find ids with \`hive list --search ${taskId.slice(0, 12)}\`.`);
      return EXIT.notFound;
    }
    if (!out.json) out.line(formatStatus(status));
    return EXIT.ok;
  },
});
