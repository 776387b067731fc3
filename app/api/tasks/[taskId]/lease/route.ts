/** POST /api/tasks/{task_id}/lease: renew a lease (DESIGN §8). */
import { ENDPOINTS } from '@/server/http/endpoints';
import { restRoute } from '@/server/http/rest-route';

export const POST = restRoute(ENDPOINTS.leaseRenew);
