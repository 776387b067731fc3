/** routing.table: the table in force, where it came from, and why a newer file was refused. */
import type { RoutingInfo } from '../../contracts/hive';
import { createTRPCRouter, publicProcedure } from '../init';

export const routingRouter = createTRPCRouter({
  table: publicProcedure.query(({ ctx }): RoutingInfo => {
    const { active, error } = ctx.hive.routing;
    return { source: active.source, loaded_at: active.loadedAt, table: active.table, error };
  }),
});
