/**
 * A strict Content-Security-Policy for every dashboard page: scripts run only with this
 * request's nonce (Next applies it to its own scripts), so nothing from a task or a
 * response can ever execute, even if it reached the page as markup. It also answers API
 * paths whose percent-escapes do not decode, which Next would otherwise turn into a 500.
 */
import { NextResponse, type NextRequest } from 'next/server';

export function contentSecurityPolicy(nonce: string, dev: boolean): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ''}`,
    // Inline styles cannot run code; Next and React emit some.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function proxy(request: NextRequest) {
  const { pathname } = request.nextUrl;
  if (pathname.startsWith('/api/')) return undecodablePath(pathname) ?? NextResponse.next();
  const nonce = Buffer.from(crypto.randomUUID()).toString('base64');
  const csp = contentSecurityPolicy(nonce, process.env.NODE_ENV === 'development');
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set('x-nonce', nonce);
  requestHeaders.set('content-security-policy', csp);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set('content-security-policy', csp);
  return response;
}

function undecodablePath(pathname: string): Response | null {
  try {
    decodeURIComponent(pathname);
    return null;
  } catch {
    return Response.json(
      {
        status: 'error',
        error: { code: 'BAD_REQUEST', message: 'The URL has a percent-escape that is not valid UTF-8.' },
      },
      { status: 400, headers: { 'cache-control': 'no-store' } },
    );
  }
}

export const config = {
  matcher: [
    // Only API paths with an escape in them pay for the check.
    '/api/:rest(.*%.*)',
    {
      source: '/((?!api/|_next/static|_next/image|icon.svg).*)',
      missing: [
        { type: 'header', key: 'next-router-prefetch' },
        { type: 'header', key: 'purpose', value: 'prefetch' },
      ],
    },
  ],
};
