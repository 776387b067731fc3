/** routing.*: the table in force (where it came from, why a newer file was refused), and where a task would go. */
import { ExplainInputSchema, ExplainResultSchema } from '../../contracts/actions';
import { RoutingInfoSchema } from '../../contracts/hive';
import { createTRPCRouter, publicProcedure } from '../init';

export const routingRouter = createTRPCRouter({
  table: publicProcedure.output(RoutingInfoSchema).query(({ ctx }) => ctx.service.routingInfo()),
  explain: publicProcedure
    .input(ExplainInputSchema)
    .output(ExplainResultSchema)
    .query(({ ctx, input }) => ctx.service.explain(input.intent)),
});
