/** POST /api/bees/{bee}/heartbeat: a bee's presence over HTTP (DESIGN §8). */
import { ENDPOINTS } from '@/server/http/endpoints';
import { restRoute } from '@/server/http/rest-route';

export const POST = restRoute(ENDPOINTS.beeHeartbeat);
