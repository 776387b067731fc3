/**
 * Serves one entry of the REST table (endpoints.ts): guard the request, parse its path
 * parameters, query and JSON body with the entry's schemas, call the service, reply.
 */
import 'server-only';
import { parseInput } from '../core/errors';
import { env } from '../env';
import { getHive } from '../hive-instance';
import type { Endpoint } from './endpoints';
import type { Caller } from './access';
import { readJsonBody } from './read-json';
import { requireJsonContentType } from './request-guard';
import { apiRoute, json } from './respond';

export function restRoute(endpoint: Endpoint) {
  const handler = async (
    req: Request,
    ctx: { params: Promise<Record<string, string | string[]>> },
    caller: Caller,
  ): Promise<Response> => {
    const params = endpoint.params ? parseInput(endpoint.params, await ctx.params, 'path') : undefined;
    const query = endpoint.query
      ? parseInput(endpoint.query, Object.fromEntries(new URL(req.url).searchParams), 'query')
      : undefined;
    let body: unknown;
    if (endpoint.body) {
      requireJsonContentType(req);
      const raw = await readJsonBody(req, env.HIVE_MAX_BODY_BYTES, { emptyIsObject: endpoint.emptyBodyIsObject });
      body = parseInput(endpoint.body, raw, endpoint.bodyName ?? 'request');
    }
    const service = (await getHive()).service;
    const scope = caller.kind === 'bee' ? { name: caller.name, bots: caller.bots } : null;
    const result = await endpoint.handle({ params, query, body, req, service, scope });
    if (result instanceof Response) return result;
    return json(result, endpoint.status?.(result) ?? 200);
  };
  return apiRoute(handler, { bees: endpoint.access === 'bees' });
}
