/** GET /api/tasks/{task_id}/export: one task's whole history (DESIGN §7). */
import { ENDPOINTS } from '@/server/http/endpoints';
import { restRoute } from '@/server/http/rest-route';

export const GET = restRoute(ENDPOINTS.history);
