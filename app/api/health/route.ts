/** GET /api/health: ready once the hive is open (used by tests, scripts and the bench to wait for start-up). */
import { getHive } from '@/server/hive-instance';
import { apiRoute, json } from '@/server/http/respond';

export const GET = apiRoute(async () => {
  const hive = await getHive();
  return json({
    status: 'ok',
    tasks: hive.tasks.size,
    responses: hive.responses.size,
    waiting: hive.waiters.pending,
    routing_source: hive.routing.active.source,
    ledger_last_id: hive.ledger.lastId(),
  });
});
