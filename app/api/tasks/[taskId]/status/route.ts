/** POST /api/tasks/{task_id}/status: a leased task's status rewrite (DESIGN §8). */
import { ENDPOINTS } from '@/server/http/endpoints';
import { restRoute } from '@/server/http/rest-route';

export const POST = restRoute(ENDPOINTS.leaseStatus);
