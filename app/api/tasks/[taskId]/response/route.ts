/** POST /api/tasks/{task_id}/response: a leased task's answer (DESIGN §8). */
import { ENDPOINTS } from '@/server/http/endpoints';
import { restRoute } from '@/server/http/rest-route';

export const POST = restRoute(ENDPOINTS.leaseResponse);
