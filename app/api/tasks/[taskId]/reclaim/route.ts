/** POST /api/tasks/{task_id}/reclaim: release a stale claim (DESIGN §6). */
import { ENDPOINTS } from '@/server/http/endpoints';
import { restRoute } from '@/server/http/rest-route';

export const POST = restRoute(ENDPOINTS.reclaim);
