/** POST /api/tasks/run: parse, dispatch through the executor, reply (DESIGN §3). */
import { RunTaskInputSchema } from '@/server/contracts/task';
import { parseInput } from '@/server/core/errors';
import { env } from '@/server/env';
import { getHive } from '@/server/hive-instance';
import { readJsonBody } from '@/server/http/read-json';
import { requireJsonContentType } from '@/server/http/request-guard';
import { apiRoute, json } from '@/server/http/respond';

export const POST = apiRoute(async (req) => {
  requireJsonContentType(req);
  const input = parseInput(RunTaskInputSchema, await readJsonBody(req, env.HIVE_MAX_BODY_BYTES), 'task');
  const hive = await getHive();
  return json(await hive.executor.execute(input, { signal: req.signal, actor: 'rest' }));
});
