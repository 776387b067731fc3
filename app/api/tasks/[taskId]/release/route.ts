/** POST /api/tasks/{task_id}/release: give a leased task back (DESIGN §8). */
import { ENDPOINTS } from '@/server/http/endpoints';
import { restRoute } from '@/server/http/rest-route';

export const POST = restRoute(ENDPOINTS.leaseRelease);
