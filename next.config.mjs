/** Next.js configuration: the ledger's native driver stays outside the server bundle. */
/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // SSE (the live stream) must reach the browser as written, not held back by gzip buffering.
  compress: false,
  serverExternalPackages: ['better-sqlite3'],
};

export default nextConfig;
