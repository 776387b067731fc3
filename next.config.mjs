/** Next.js configuration: the ledger's native driver stays outside the server bundle. */
/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  serverExternalPackages: ['better-sqlite3', 'chokidar'],
};

export default nextConfig;
