/** tRPC over HTTP (queries, mutations, and the SSE subscription), behind the same guard as REST. */
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { log } from '@/server/core/log';
import { getHive } from '@/server/hive-instance';
import { requireJsonContentType } from '@/server/http/request-guard';
import { apiRoute } from '@/server/http/respond';
import { appRouter } from '@/server/trpc/root';

const handler = apiRoute(async (req: Request) => {
  if (req.method === 'POST') requireJsonContentType(req);
  const hive = await getHive();
  return fetchRequestHandler({
    endpoint: '/api/trpc',
    req,
    router: appRouter,
    createContext: () => ({ hive, actor: 'trpc' }),
    onError: ({ error, path }) => {
      if (error.code === 'INTERNAL_SERVER_ERROR') log.error(`tRPC ${path ?? '?'} failed`, error.cause ?? error);
    },
  });
});

export { handler as GET, handler as POST };
