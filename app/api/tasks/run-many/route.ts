/** POST /api/tasks/run-many: up to 1,000 tasks in one commit (DESIGN §7). */
import { ENDPOINTS } from '@/server/http/endpoints';
import { restRoute } from '@/server/http/rest-route';

export const POST = restRoute(ENDPOINTS.runMany);
