/** GET /api/tasks/status/{task_id}: the response if one landed, else the task file's status. */
import { StatusInputSchema } from '@/server/contracts/task';
import { parseInput } from '@/server/core/errors';
import { getHive } from '@/server/hive-instance';
import { apiRoute, json } from '@/server/http/respond';

export const GET = apiRoute(async (_req, ctx: RouteContext<'/api/tasks/status/[taskId]'>) => {
  const { taskId } = await ctx.params;
  const { task_id } = parseInput(StatusInputSchema, { task_id: taskId }, 'task id');
  const hive = await getHive();
  const result = await hive.executor.status(task_id);
  return json(result, result.status === 'not_found' ? 404 : 200);
});
