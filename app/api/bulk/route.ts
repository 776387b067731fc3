/** POST /api/bulk: one action on many tasks (DESIGN §7). */
import { ENDPOINTS } from '@/server/http/endpoints';
import { restRoute } from '@/server/http/rest-route';

export const POST = restRoute(ENDPOINTS.bulk);
