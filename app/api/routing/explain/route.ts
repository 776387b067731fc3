/** POST /api/routing/explain: where a task would go, and why (DESIGN §7). */
import { ENDPOINTS } from '@/server/http/endpoints';
import { restRoute } from '@/server/http/rest-route';

export const POST = restRoute(ENDPOINTS.explain);
