/** GET /api/health: ready once the hive is open (used by tests, scripts and the bench to wait for start-up). */
import { getHive } from '@/server/hive-instance';
import { apiRoute, json } from '@/server/http/respond';

export const GET = apiRoute(async () => json((await getHive()).health()));
