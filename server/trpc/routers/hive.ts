/** hive.*: the live stream of ledger events, and the health of bots and bees. */
import { tracked } from '@trpc/server';
import { BotsHealthSchema, HealthSchema } from '../../contracts/health';
import { LiveInputSchema } from '../../contracts/hive';
import { createTRPCRouter, publicProcedure } from '../init';

export const hiveRouter = createTRPCRouter({
  /** Every ledger event as it happens, tracked by its ledger id so a reconnect resumes exactly. */
  live: publicProcedure.input(LiveInputSchema).subscription(async function* ({ ctx, input, signal }) {
    // A first connection starts at the tip; the page's queries already hold the past.
    const after = input?.lastEventId ? Number(input.lastEventId) : null;
    for await (const event of ctx.service.live(after, signal)) {
      yield tracked(String(event.id), event);
    }
  }),
  health: publicProcedure.output(HealthSchema).query(({ ctx }) => ctx.service.health()),
  bots: publicProcedure.output(BotsHealthSchema).query(({ ctx }) => ctx.service.bots()),
});
