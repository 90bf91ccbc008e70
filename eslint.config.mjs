// ESLint 9 flat config: Next's rules (React, hooks, accessibility, Core Web Vitals) and typescript-eslint's
// recommended rules through eslint-config-next/typescript. Run by `npm run lint` and by `npm test`.
import { defineConfig, globalIgnores } from "eslint/config";
import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";

export default defineConfig([
  ...nextVitals,
  ...nextTs,
  // Generated or produced by tools, not written here.
  globalIgnores([".next*/**", ".data/**", "coverage/**", "generated/**", "node_modules/**", "e2e/screenshots/**", "test-results/**", "playwright-report/**", "next-env.d.ts"]),
  {
    rules: {
      // `_`-prefixed names are deliberately unused (a destructured field left out, a required parameter).
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_", ignoreRestSiblings: true }],
    },
  },
]);
