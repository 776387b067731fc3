/** The REST error envelope `{status: "error", error: {code, message, fields?}}` and the route wrapper. */
import 'server-only';
import { ERROR_TABLE, HiveError } from '../core/errors';
import { log } from '../core/log';
import { env } from '../env';
import { beeTokensFile, BeeTokens } from '../core/bee-tokens';
import { identifyCaller, type Caller } from './access';
import { discardUnreadBody } from './read-json';
import { allowedHostSet, guardRequest } from './request-guard';

const allowedHosts = allowedHostSet(env.HOST, env.HIVE_ALLOWED_HOSTS);
const beeTokens = new BeeTokens(beeTokensFile(env.HIVE_ROOT, env.HIVE_BEE_TOKENS_FILE));
const credentials = {
  operatorToken: env.HIVE_API_TOKEN,
  beeToken: (token: string) => beeTokens.match(token),
  get beeTokensConfigured() {
    const problem = beeTokens.problem;
    if (problem) log.warnOnce(`bee-tokens:${problem}`, `bee tokens unusable, none is accepted: ${problem}`);
    return beeTokens.configured;
  },
};

/** Everything a bee token may call; anything else is the operator's. */
const BEE_ENDPOINTS =
  'POST /api/bees/{bee}/heartbeat and /claim, POST /api/tasks/{id}/lease, /status, /response and /release';

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
 * Guards the request (host, origin, and who calls unless the route is `public`) and turns
 * anything thrown into the error envelope. Bee tokens reach only routes marked `bees`.
 */
export function apiRoute<Ctx>(
  handler: (req: Request, ctx: Ctx, caller: Caller) => Response | Promise<Response>,
  options: { public?: boolean; bees?: boolean } = {},
) {
  return async (req: Request, ctx: Ctx): Promise<Response> => {
    try {
      guardRequest(req, { allowedHosts });
      const caller: Caller = options.public ? { kind: 'operator' } : identifyCaller(req.headers, credentials);
      if (caller.kind === 'bee' && !options.bees) {
        throw new HiveError(
          'FORBIDDEN',
          `Bee token "${caller.name}" may call only the bee endpoints (${BEE_ENDPOINTS}), not ${req.method} ${new URL(req.url).pathname}; that needs the operator token.`,
        );
      }
      return await handler(req, ctx, caller);
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
