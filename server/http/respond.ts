/** The REST error envelope `{status: "error", error: {code, message, fields?}}` and the route wrapper. */
import 'server-only';
import { ERROR_TABLE, HiveError } from '../core/errors';
import { log } from '../core/log';
import { env } from '../env';
import { requireAuthorization } from './access';
import { discardUnreadBody } from './read-json';
import { allowedHostSet, guardRequest } from './request-guard';

const allowedHosts = allowedHostSet(env.HOST, env.HIVE_ALLOWED_HOSTS);

export function errorResponse(err: unknown): Response {
  const known = HiveError.is(err) ? err : new HiveError('INTERNAL', 'Internal error; the server log has the details.');
  if (known.code === 'INTERNAL') log.error('request failed', err);
  const headers: Record<string, string> = { 'cache-control': 'no-store' };
  if (known.code === 'UNAUTHORIZED') headers['www-authenticate'] = 'Bearer realm="hive-control"';
  return Response.json(
    {
      status: 'error',
      error: { code: known.code, message: known.message, ...(known.fields && { fields: known.fields }) },
    },
    { status: ERROR_TABLE[known.code].http, headers },
  );
}

/**
 * Guards the request (host, origin, and the API token unless the route is `public`) and
 * turns anything thrown into the error envelope.
 */
export function apiRoute<Ctx>(
  handler: (req: Request, ctx: Ctx) => Response | Promise<Response>,
  options: { public?: boolean } = {},
) {
  return async (req: Request, ctx: Ctx): Promise<Response> => {
    try {
      guardRequest(req, { allowedHosts });
      if (!options.public) requireAuthorization(req.headers, env.HIVE_API_TOKEN);
      return await handler(req, ctx);
    } catch (err) {
      // A refusal must reach a client that is still sending its body (see read-json.ts).
      await discardUnreadBody(req);
      return errorResponse(err);
    }
  };
}

export function json(data: unknown, status = 200): Response {
  return Response.json(data, { status, headers: { 'cache-control': 'no-store' } });
}
