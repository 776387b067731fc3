/** POST /api/tasks/run: dispatch a task (DESIGN §3). */
import { ENDPOINTS } from '@/server/http/endpoints';
import { restRoute } from '@/server/http/rest-route';

export const POST = restRoute(ENDPOINTS.runTask);
