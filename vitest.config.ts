import path from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    alias: {
      "@": path.resolve(import.meta.dirname),
      // `import "server-only"` throws outside React's server condition; tests are server code, so they get
      // the package's own no-op file (the one Next resolves in server bundles).
      "server-only": path.resolve(import.meta.dirname, "node_modules/server-only/empty.js"),
    },
  },
  test: {
    // *.scale.test.ts take minutes on the scale dataset: `npm test` runs them last, on their own (ATLAS_TEST_SCALE=1).
    include: [`{lib,app,prisma,scripts,sandbox,components}/**/*${process.env.ATLAS_TEST_SCALE === "1" ? ".scale" : ""}.test.{ts,tsx}`],
    exclude: process.env.ATLAS_TEST_SCALE === "1" ? [] : ["**/*.scale.test.{ts,tsx}", "**/node_modules/**"],
    environment: "node",
    // Logs of the code under test would bury the report; LOG_LEVEL=debug npm test shows them.
    env: { LOG_LEVEL: process.env.LOG_LEVEL ?? "silent" },
    // Files share one PostgreSQL database; each test creates its own organization and asserts within it.
    fileParallelism: true,
    // next-auth imports "next/server" without an extension; let Vite resolve it instead of Node's ESM loader.
    server: { deps: { inline: ["next-auth"] } },
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
