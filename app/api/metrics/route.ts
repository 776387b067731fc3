/** GET /api/metrics: Prometheus text exposition of the hive and this process (DESIGN §6). */
import { ENDPOINTS } from '@/server/http/endpoints';
import { restRoute } from '@/server/http/rest-route';

export const GET = restRoute(ENDPOINTS.metrics);
