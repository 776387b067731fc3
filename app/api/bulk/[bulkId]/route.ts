/** GET /api/bulk/{bulk_id}: a bulk action's progress. */
import { ENDPOINTS } from '@/server/http/endpoints';
import { restRoute } from '@/server/http/rest-route';

export const GET = restRoute(ENDPOINTS.bulkStatus);
