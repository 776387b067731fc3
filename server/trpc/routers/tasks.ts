/** tasks.*: the same operations as the REST routes (same schemas, same service), plus the dashboard's list. */
import { z } from 'zod';
import {
  ActionResultSchema,
  ByTaskIdSchema,
  CancelInputSchema,
  ReassignInputSchema,
  ReassignResultSchema,
  ReclaimResultSchema,
  RetryInputSchema,
  RetryResultSchema,
  RunManyInputSchema,
  RunManyResultSchema,
  BulkFilterSchema,
  TaskHistorySchema,
} from '../../contracts/actions';
import { TaskDetailSchema, TimelineSchema } from '../../contracts/hive';
import { TaskListInputSchema, TaskListSchema } from '../../contracts/task-list';
import {
  DispatchResultSchema,
  RunTaskInputSchema,
  StatusInputSchema,
  StatusResultSchema,
  WaitInputSchema,
  WaitOutcomeSchema,
} from '../../contracts/task';
import { createTRPCRouter, publicProcedure } from '../init';

export const tasksRouter = createTRPCRouter({
  run: publicProcedure
    .input(RunTaskInputSchema)
    .output(DispatchResultSchema)
    .mutation(({ ctx, input, signal }) => ctx.service.run(input, { signal, actor: ctx.actor })),
  runMany: publicProcedure
    .input(RunManyInputSchema)
    .output(RunManyResultSchema)
    .mutation(({ ctx, input }) => ctx.service.runMany(input.tasks, ctx.actor)),
  wait: publicProcedure
    .input(WaitInputSchema)
    .output(WaitOutcomeSchema)
    .mutation(({ ctx, input, signal }) => ctx.service.wait(input.task_id, input.timeout_seconds, signal)),
  status: publicProcedure
    .input(StatusInputSchema)
    .output(StatusResultSchema)
    .query(({ ctx, input }) => ctx.service.status(input.task_id)),
  list: publicProcedure
    .input(TaskListInputSchema)
    .output(TaskListSchema)
    .query(({ ctx, input }) => ctx.service.list(input)),
  /** How many tasks a filter matches (shown before a bulk action is confirmed). */
  count: publicProcedure
    .input(BulkFilterSchema)
    .output(z.number().int())
    .query(({ ctx, input }) => ctx.service.count(input)),
  detail: publicProcedure
    .input(ByTaskIdSchema)
    .output(TaskDetailSchema)
    .query(({ ctx, input }) => ctx.service.detail(input.task_id)),
  timeline: publicProcedure
    .input(ByTaskIdSchema)
    .output(TimelineSchema)
    .query(({ ctx, input }) => ctx.service.timeline(input.task_id)),
  history: publicProcedure
    .input(ByTaskIdSchema)
    .output(TaskHistorySchema)
    .query(({ ctx, input }) => ctx.service.exportTask(input.task_id)),

  cancel: publicProcedure
    .input(ByTaskIdSchema.extend(CancelInputSchema.shape))
    .output(ActionResultSchema)
    .mutation(({ ctx, input: { task_id, ...rest } }) => ctx.service.cancel(task_id, rest, ctx.actor)),
  retry: publicProcedure
    .input(ByTaskIdSchema.extend(RetryInputSchema.shape))
    .output(RetryResultSchema)
    .mutation(({ ctx, input: { task_id, ...edits } }) => ctx.service.retry(task_id, edits, ctx.actor)),
  reassign: publicProcedure
    .input(ByTaskIdSchema.extend(ReassignInputSchema.shape))
    .output(ReassignResultSchema)
    .mutation(({ ctx, input: { task_id, ...rest } }) => ctx.service.reassign(task_id, rest, ctx.actor)),
  reclaim: publicProcedure
    .input(ByTaskIdSchema)
    .output(ReclaimResultSchema)
    .mutation(({ ctx, input }) => ctx.service.reclaim(input.task_id, ctx.actor)),
});
