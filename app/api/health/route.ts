/** GET /api/health: ready once the hive is open (tests, scripts and the bench wait on it). */
import { ENDPOINTS } from '@/server/http/endpoints';
import { restRoute } from '@/server/http/rest-route';

export const GET = restRoute(ENDPOINTS.health);
