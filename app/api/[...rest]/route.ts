/** Any other /api path: the JSON error envelope, never the dashboard's HTML 404. */
import { HiveError } from '@/server/core/errors';
import { apiRoute } from '@/server/http/respond';

const notFound = apiRoute(
  (req: Request) => {
    const path = new URL(req.url).pathname;
    throw new HiveError(
      'NOT_FOUND',
      `No API at ${req.method} ${path}. The endpoints are POST /api/tasks/run, GET /api/tasks/status/{task_id}, GET /api/health and /api/trpc.`,
    );
  },
  { public: true },
);

export { notFound as GET, notFound as POST, notFound as PUT, notFound as PATCH, notFound as DELETE };
