/** bulk.*: one action on many tasks (ids, or the list's filter), and its progress. */
import { BulkInputSchema, BulkStartedSchema, BulkStatusSchema, ByBulkIdSchema } from '../../contracts/actions';
import { createTRPCRouter, publicProcedure } from '../init';

export const bulkRouter = createTRPCRouter({
  start: publicProcedure
    .input(BulkInputSchema)
    .output(BulkStartedSchema)
    .mutation(({ ctx, input }) => ctx.service.bulk(input, ctx.actor)),
  status: publicProcedure
    .input(ByBulkIdSchema)
    .output(BulkStatusSchema)
    .query(({ ctx, input }) => ctx.service.bulkStatus(input.bulk_id)),
});
