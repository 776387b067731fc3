/**
 * Who may call the API when HIVE_API_TOKEN is set: scripts send `Authorization: Bearer
 * <token>`; the dashboard trades the token once for an HttpOnly session cookie (which
 * EventSource sends too). Every comparison is constant-time on fixed-length digests, so
 * neither the token nor its length leaks through timing.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { HiveError } from '../core/errors';

export const SESSION_COOKIE = 'hive_session';

const digest = (value: string) => createHash('sha256').update(value).digest();

function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** The cookie value: derived from the token, so the token itself never sits in the browser. */
export function sessionValue(token: string): string {
  return createHmac('sha256', token).update('hive-control dashboard session').digest('base64url');
}

function cookie(header: string | null, name: string): string | null {
  for (const part of header?.split(';') ?? []) {
    const at = part.indexOf('=');
    if (at !== -1 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return null;
}

export function isAuthorized(headers: Headers, token: string | undefined): boolean {
  if (!token) return true;
  const bearer = /^Bearer\s+(.+)$/i.exec(headers.get('authorization') ?? '')?.[1]?.trim();
  if (bearer !== undefined) return sameSecret(bearer, token);
  const session = cookie(headers.get('cookie'), SESSION_COOKIE);
  return session !== null && sameSecret(session, sessionValue(token));
}

/** Who is calling: the operator (everything), or a bee whose token serves some bots (the bee endpoints only). */
export type Caller = { kind: 'operator' } | { kind: 'bee'; name: string; bots: ReadonlySet<string> };

export interface Credentials {
  operatorToken: string | undefined;
  /** The bee whose token this is, or null (server/core/bee-tokens.ts). */
  beeToken(token: string): { name: string; bots: readonly string[] } | null;
  /** Whether any bee token is configured. */
  beeTokensConfigured: boolean;
}

/**
 * The operator token allows everything; a bee token allows what its bee may do. With no
 * token of either kind configured, the server is the loopback-only default and every
 * caller is the operator (the server refuses to listen beyond loopback without a token).
 */
export function identifyCaller(headers: Headers, credentials: Credentials): Caller {
  const { operatorToken } = credentials;
  const bearer = /^Bearer\s+(.+)$/i.exec(headers.get('authorization') ?? '')?.[1]?.trim();
  if (bearer !== undefined) {
    if (operatorToken && sameSecret(bearer, operatorToken)) return { kind: 'operator' };
    const bee = bearer.startsWith('hbt_') ? credentials.beeToken(bearer) : null;
    if (bee) return { kind: 'bee', name: bee.name, bots: new Set(bee.bots) };
    if (!operatorToken && !credentials.beeTokensConfigured) return { kind: 'operator' };
    throw new HiveError(
      'UNAUTHORIZED',
      bearer.startsWith('hbt_')
        ? 'This bee token is not one this server knows (revoked, or from another server); ask the operator for a token (npm run hive -- tokens add).'
        : operatorToken
          ? 'Wrong API token: send "Authorization: Bearer <HIVE_API_TOKEN>" (the CLI reads HIVE_API_TOKEN).'
          : 'Wrong token: this server has bee tokens only (start with "hbt_"); without one, call it from this machine.',
    );
  }
  if (isAuthorized(headers, operatorToken)) return { kind: 'operator' };
  throw new HiveError(
    'UNAUTHORIZED',
    'This server needs its API token: send "Authorization: Bearer <HIVE_API_TOKEN>" (the CLI reads HIVE_API_TOKEN).',
  );
}

export function tokenMatches(given: string, token: string): boolean {
  return sameSecret(given, token);
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|::1|\[::1\])$/i;

/**
 * Why the server must not start, or null: listening beyond this machine without a token
 * would hand the hive to anyone who can reach the port.
 */
export function bindRefusal(host: string, token: string | undefined): string | null {
  if (token || LOOPBACK.test(host)) return null;
  return (
    `Refusing to listen on ${host} without HIVE_API_TOKEN: anyone who can reach this port could dispatch tasks. ` +
    'Set HIVE_API_TOKEN to a long random secret, or listen on 127.0.0.1 (HOST=127.0.0.1).'
  );
}

/** The address `next start` was told to bind (`-H`/`--hostname`); without one, Next binds every interface. */
export function boundHost(argv: readonly string[], envHost: string | undefined): string {
  const at = argv.findIndex((a) => a === '-H' || a === '--hostname');
  const inline = argv.find((a) => a.startsWith('--hostname='))?.slice('--hostname='.length);
  return (at !== -1 ? argv[at + 1] : undefined) ?? inline ?? envHost ?? '0.0.0.0';
}
