/** tRPC over HTTP (queries, mutations, and the SSE subscription), behind the same guard and body limit as REST. */
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { log } from '@/server/core/log';
import { env } from '@/server/env';
import { getHive } from '@/server/hive-instance';
import { readBodyText } from '@/server/http/read-json';
import { requireJsonContentType } from '@/server/http/request-guard';
import { apiRoute } from '@/server/http/respond';
import { appRouter } from '@/server/trpc/root';

const handler = apiRoute(async (incoming: Request) => {
  let req = incoming;
  if (req.method === 'POST') {
    requireJsonContentType(req);
    // Read within the limit here; tRPC itself would buffer any body whole.
    const body = await readBodyText(req, env.HIVE_MAX_BODY_BYTES);
    req = new Request(req.url, { method: 'POST', headers: req.headers, body, signal: req.signal });
  }
  const hive = await getHive();
  return fetchRequestHandler({
    endpoint: '/api/trpc',
    req,
    router: appRouter,
    createContext: () => ({ service: hive.service, actor: 'trpc' }),
    onError: ({ error, path }) => {
      if (error.code === 'INTERNAL_SERVER_ERROR') log.error(`tRPC ${path ?? '?'} failed`, error.cause ?? error);
    },
  });
});

export { handler as GET, handler as POST };
