/** hive.live: every ledger event as it happens, tracked by its ledger id so a reconnect resumes exactly. */
import { tracked } from '@trpc/server';
import { LiveInputSchema } from '../../contracts/hive';
import { followLedger } from '../../core/live';
import { createTRPCRouter, publicProcedure } from '../init';

export const hiveRouter = createTRPCRouter({
  live: publicProcedure.input(LiveInputSchema).subscription(async function* ({ ctx, input, signal }) {
    // A first connection starts at the tip; the page's queries already hold the past.
    const after = input?.lastEventId ? Number(input.lastEventId) : ctx.hive.ledger.lastId();
    for await (const event of followLedger(ctx.hive.ledger, after, signal)) {
      yield tracked(String(event.id), event);
    }
  }),
});
