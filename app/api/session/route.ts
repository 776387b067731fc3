/** POST /api/session `{token}`: the dashboard trades the API token for a session cookie; DELETE signs out. */
import { z } from 'zod';
import { HiveError, parseInput } from '@/server/core/errors';
import { env } from '@/server/env';
import { SESSION_COOKIE, sessionValue, tokenMatches } from '@/server/http/access';
import { readJsonBody } from '@/server/http/read-json';
import { requireJsonContentType } from '@/server/http/request-guard';
import { apiRoute } from '@/server/http/respond';

const LoginSchema = z.strictObject({ token: z.string().min(1, 'token is required').max(1024) });

export const POST = apiRoute(
  async (req) => {
    requireJsonContentType(req);
    const { token } = parseInput(LoginSchema, await readJsonBody(req, 4096), 'sign-in');
    if (!env.HIVE_API_TOKEN) return new Response(null, { status: 204 });
    if (!tokenMatches(token, env.HIVE_API_TOKEN)) {
      throw new HiveError('UNAUTHORIZED', 'That is not the API token this server was started with.');
    }
    return new Response(null, {
      status: 204,
      headers: {
        'set-cookie': `${SESSION_COOKIE}=${sessionValue(env.HIVE_API_TOKEN)}; Path=/; HttpOnly; SameSite=Strict`,
        'cache-control': 'no-store',
      },
    });
  },
  { public: true },
);

export const DELETE = apiRoute(
  () =>
    new Response(null, {
      status: 204,
      headers: { 'set-cookie': `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0` },
    }),
  { public: true },
);
