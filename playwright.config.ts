import { defineConfig, devices } from "@playwright/test";

// Run through `npm test`, which builds the app and provides DATABASE_URL (a seeded database of the
// tests' own) and the sandbox settings. Chromium is Debian's: Playwright cannot download its own here.
const port = Number(process.env.E2E_PORT ?? 3100);

// Set here, so the app (webServer inherits this environment) and the specs (workers do too) read the same values.
// Email alerts go to the SMTP server e2e/alerts.spec.ts runs on this port, never to a real one from the shell.
process.env.SMTP_URL = `smtp://127.0.0.1:${port + 30}`;
process.env.SMTP_FROM = "Atlas <alerts@atlas.test>";
// e2e/ops.spec.ts makes a job stalled by moving its progress back past this many minutes.
process.env.ATLAS_STALLED_AFTER_MINUTES = "30";

export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: [["list"]],
  timeout: 60_000,
  expect: { timeout: 10_000 },
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: "off",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    },
  },
  projects: [{ name: "chromium", use: { ...devices["Desktop Chrome"], channel: undefined } }],
  webServer: {
    // The production server (scripts/server.ts, as npm run start:prod runs it): Next, with Nango's webhooks first.
    command: `node --conditions=react-server --import tsx scripts/server.ts --port ${port} --hostname 127.0.0.1`,
    url: `http://127.0.0.1:${port}/signin`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: "ignore",
    stderr: "pipe",
  },
});
