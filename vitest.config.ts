import path from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname) } },
  test: {
    include: ["{lib,app,prisma,scripts,sandbox,components}/**/*.test.{ts,tsx}"],
    environment: "node",
    // Files share one PostgreSQL database; each test creates its own organization and asserts within it.
    fileParallelism: true,
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
