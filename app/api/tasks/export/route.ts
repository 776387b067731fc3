/** GET /api/tasks/export?format=json|csv|ndjson&…: the filtered list, streamed (DESIGN §7). */
import { ENDPOINTS } from '@/server/http/endpoints';
import { restRoute } from '@/server/http/rest-route';

export const GET = restRoute(ENDPOINTS.exportTasks);
