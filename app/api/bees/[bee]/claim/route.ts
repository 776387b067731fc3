/** POST /api/bees/{bee}/claim: long-poll for a task and its lease (DESIGN §8). */
import { ENDPOINTS } from '@/server/http/endpoints';
import { restRoute } from '@/server/http/rest-route';

export const POST = restRoute(ENDPOINTS.beeClaim);
