/** GET /api/tasks/status/{task_id}: the response if one landed, else the task file's status. */
import { ENDPOINTS } from '@/server/http/endpoints';
import { restRoute } from '@/server/http/rest-route';

export const GET = restRoute(ENDPOINTS.status);
