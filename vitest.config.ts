import path from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname) } },
  test: {
    include: ["{lib,app,prisma,scripts,sandbox,components}/**/*.test.{ts,tsx}"],
    environment: "node",
    // Files share one PostgreSQL database; each test creates its own organization and asserts within it.
    fileParallelism: true,
    // next-auth imports "next/server" without an extension; let Vite resolve it instead of Node's ESM loader.
    server: { deps: { inline: ["next-auth"] } },
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
