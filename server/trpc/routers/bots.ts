/** bots.*: pause and resume a bot (its dispatches are held out of its inbox meanwhile). */
import { ByBotIdSchema, PauseResultSchema } from '../../contracts/actions';
import { createTRPCRouter, publicProcedure } from '../init';

export const botsRouter = createTRPCRouter({
  pause: publicProcedure
    .input(ByBotIdSchema)
    .output(PauseResultSchema)
    .mutation(({ ctx, input }) => ctx.service.pause(input.bot_id, ctx.actor)),
  resume: publicProcedure
    .input(ByBotIdSchema)
    .output(PauseResultSchema)
    .mutation(({ ctx, input }) => ctx.service.resume(input.bot_id, ctx.actor)),
});
