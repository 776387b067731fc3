/** Next.js configuration: the ledger's native driver and the metrics library stay outside the server bundle; security headers everywhere. */

const securityHeaders = [
  { key: 'X-Content-Type-Options', value: 'nosniff' },
  { key: 'X-Frame-Options', value: 'DENY' },
  { key: 'Referrer-Policy', value: 'no-referrer' },
  { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
  { key: 'Cross-Origin-Resource-Policy', value: 'same-origin' },
  { key: 'Permissions-Policy', value: 'camera=(), microphone=(), geolocation=(), payment=()' },
];

/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // SSE (the live stream) must reach the browser as written, not held back by gzip buffering.
  compress: false,
  serverExternalPackages: ['better-sqlite3', 'prom-client'],
  headers() {
    return [
      { source: '/:path*', headers: securityHeaders },
      // JSON is never a document: nothing in it may load or run.
      {
        source: '/api/:path*',
        headers: [{ key: 'Content-Security-Policy', value: "default-src 'none'; frame-ancestors 'none'" }],
      },
    ];
  },
};

export default nextConfig;
