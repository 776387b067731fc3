/**
 * What keeps a browser on another site (or a DNS-rebound name) from driving the API:
 * the Host must be one this server answers to, a cross-site Origin is refused, and
 * JSON bodies must say they are JSON (so no CORS-simple form post gets through).
 */
import { HiveError } from '../core/errors';

export interface GuardOptions {
  /** Host names (no port) this server answers to. */
  allowedHosts: ReadonlySet<string>;
}

const LOOPBACK = ['localhost', '127.0.0.1', '::1', '[::1]'];

export function allowedHostSet(bindHost: string, extra: string): Set<string> {
  const hosts = new Set(LOOPBACK);
  if (!['0.0.0.0', '::', '[::]'].includes(bindHost)) hosts.add(bindHost.toLowerCase());
  for (const h of extra.split(',')) if (h.trim()) hosts.add(h.trim().toLowerCase());
  return hosts;
}

/** `example.com:8010` → `example.com`; `[::1]:8010` → `[::1]`. */
export function hostnameOf(hostHeader: string): string {
  const host = hostHeader.trim().toLowerCase();
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const colon = host.lastIndexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}

export function guardRequest(req: Request, options: GuardOptions): void {
  const host = req.headers.get('host');
  if (!host || !options.allowedHosts.has(hostnameOf(host))) {
    throw new HiveError(
      'UNKNOWN_HOST',
      `This server does not answer to host "${host ?? ''}". Use 127.0.0.1 or localhost, or list the name in HIVE_ALLOWED_HOSTS.`,
    );
  }
  if (req.headers.get('sec-fetch-site') === 'cross-site') {
    throw new HiveError('FORBIDDEN', 'Cross-site requests are refused.');
  }
  const origin = req.headers.get('origin');
  if (origin !== null) {
    let originHost: string | null = null;
    try {
      originHost = new URL(origin).host.toLowerCase();
    } catch {
      // "null" and other opaque origins are never same-origin.
    }
    if (originHost !== host.trim().toLowerCase()) {
      throw new HiveError(
        'FORBIDDEN',
        `Requests from origin ${origin} are refused; only same-origin pages may call this API.`,
      );
    }
  }
}

export function requireJsonContentType(req: Request): void {
  const type = req.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new HiveError(
      'UNSUPPORTED_MEDIA_TYPE',
      `Send the body as JSON with "Content-Type: application/json" (got ${type ? `"${type}"` : 'none'}).`,
    );
  }
}
