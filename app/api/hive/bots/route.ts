/** GET /api/hive/bots: inbox health (DESIGN §6). */
import { ENDPOINTS } from '@/server/http/endpoints';
import { restRoute } from '@/server/http/rest-route';

export const GET = restRoute(ENDPOINTS.bots);
