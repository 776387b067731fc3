/** POST /api/tasks/{task_id}/reassign (DESIGN §7). */
import { ENDPOINTS } from '@/server/http/endpoints';
import { restRoute } from '@/server/http/rest-route';

export const POST = restRoute(ENDPOINTS.reassign);
