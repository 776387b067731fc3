/** Any other /api path: the JSON error envelope, never the dashboard's HTML 404. */
import { HiveError } from '@/server/core/errors';
import { ENDPOINTS } from '@/server/http/endpoints';
import { apiRoute } from '@/server/http/respond';

const listing = [...Object.values(ENDPOINTS).map((e) => `${e.method} ${e.path}`), 'GET /api/openapi.json', '/api/trpc'];

const notFound = apiRoute(
  (req: Request) => {
    const path = new URL(req.url).pathname;
    throw new HiveError('NOT_FOUND', `No API at ${req.method} ${path}. The endpoints are ${listing.join(', ')}.`);
  },
  { public: true },
);

export { notFound as GET, notFound as POST, notFound as PUT, notFound as PATCH, notFound as DELETE };
