/** tasks.*: the same operations as the REST routes (same schemas, same executor) plus the dashboard's list. */
import { z } from 'zod';
import { TaskIdSchema } from '../../contracts/ids';
import { TaskListInputSchema } from '../../contracts/task-list';
import { RunTaskInputSchema, StatusInputSchema, WaitInputSchema } from '../../contracts/task';
import { createTRPCRouter, publicProcedure } from '../init';

const ByTaskId = z.strictObject({ task_id: TaskIdSchema });

export const tasksRouter = createTRPCRouter({
  run: publicProcedure
    .input(RunTaskInputSchema)
    .mutation(({ ctx, input, signal }) => ctx.hive.executor.execute(input, { signal, actor: ctx.actor })),

  wait: publicProcedure
    .input(WaitInputSchema)
    .mutation(({ ctx, input, signal }) => ctx.hive.executor.wait(input.task_id, input.timeout_seconds * 1000, signal)),
  status: publicProcedure.input(StatusInputSchema).query(({ ctx, input }) => ctx.hive.executor.status(input.task_id)),

  list: publicProcedure.input(TaskListInputSchema).query(({ ctx, input }) => ctx.hive.view.list(input)),

  detail: publicProcedure.input(ByTaskId).query(({ ctx, input }) => ctx.hive.executor.detail(input.task_id)),

  timeline: publicProcedure.input(ByTaskId).query(({ ctx, input }) => ctx.hive.executor.timeline(input.task_id)),
});
