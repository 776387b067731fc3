/** The app's tRPC router; scripts and the client import its type only. */
import { createCallerFactory, createTRPCRouter } from './init';
import { botsRouter } from './routers/bots';
import { bulkRouter } from './routers/bulk';
import { hiveRouter } from './routers/hive';
import { routingRouter } from './routers/routing';
import { tasksRouter } from './routers/tasks';

export const appRouter = createTRPCRouter({
  tasks: tasksRouter,
  bots: botsRouter,
  bulk: bulkRouter,
  routing: routingRouter,
  hive: hiveRouter,
});

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
