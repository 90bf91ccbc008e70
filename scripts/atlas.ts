// The project's own entry point: every npm script goes through here so that the database (embedded or
// DATABASE_URL), the Prisma client and the migrations are ready before anything uses them.
//   start   install-free setup + the app in sandbox mode on the demo data (README's first command)
//   test    every test, on a database of its own (README's second command)
//   prisma  the Prisma CLI against the right database: npm run prisma -- migrate status
//   seed    (re)apply the demo data; idempotent
//   e2e     only the Playwright specs
//   bench   the measurements behind the README's performance claims
//   db      only the database (embedded unless DATABASE_URL), migrated, until Ctrl-C
//   create-admin  the first organization and its admin: -- --email <email> --org <name> (scripts/create-admin.ts)
//   backup  a logical backup of the database to a file: -- [file] (scripts/backup.ts)
//   restore a backup into an empty database: -- <file>
//   rotate-keys  seal connection metadata under the first of ATLAS_ENCRYPTION_KEYS (scripts/rotate-keys.ts)
//   start:prod  the deployment: checks, migrations, a build when needed, next start and a worker (scripts/start-prod.ts)
import { rm } from "node:fs/promises";
import path from "node:path";
import { ROOT, ensureDatabase, recreateDatabase, startDatabase, withDatabaseName, type Database } from "./lib/database";
import { prisma, run, start } from "./lib/run";

const [command = "start", ...rest] = process.argv.slice(2);

/** The sandboxes import lib/ modules, which need the generated Prisma client: a fresh clone has it only after prepare(). */
async function startSandboxes(...args: Parameters<typeof import("./lib/sandboxes").startSandboxes>) {
  const sandboxes = await import("./lib/sandboxes");
  return sandboxes.startSandboxes(...args);
}
// Scripts that import lib/ modules run as server code: `import "server-only"` resolves to a no-op under
// React's server condition and throws anywhere else (a browser bundle). npm's scripts pass it to this file too.
const SERVER_CONDITIONS = ["--conditions=react-server"];

async function prepare(db: Database, url: string, { fresh = false } = {}) {
  if (fresh) await recreateDatabase(url);
  else await ensureDatabase(url);
  await prisma(["generate"], url);
  await prisma(["migrate", "deploy"], url);
}

function testDatabaseUrl(db: Database): string {
  if (process.env.TEST_DATABASE_URL) return process.env.TEST_DATABASE_URL;
  const appName = new URL(db.url).pathname.slice(1) || "atlas";
  return withDatabaseName(db.url, `${appName}_test`);
}

/** Playwright specs in Chromium against a production build, on a seeded database of their own. */
async function endToEnd(db: Database) {
  const url = withDatabaseName(testDatabaseUrl(db), `${new URL(testDatabaseUrl(db)).pathname.slice(1)}_e2e`);
  await recreateDatabase(url);
  await prisma(["migrate", "deploy"], url);
  await run("tsx", [...SERVER_CONDITIONS, "prisma/seed.ts"], { DATABASE_URL: url });
  const port = Number(process.env.E2E_PORT ?? 3100);
  const sandboxes = await startSandboxes({ appUrl: `http://127.0.0.1:${port}`, databaseUrl: url, nangoPort: port + 3, zepPort: port + 11, portHint: "set E2E_PORT to move the app and its sandboxes (E2E_PORT+3, +11)." });
  const env = {
    DATABASE_URL: url,
    ATLAS_SANDBOX: "1",
    ATLAS_WORKERS: "in-process",
    // No cron in the specs: the recovery task would take the demo's running jobs the live-polling spec drives.
    ATLAS_QUEUE_SCHEDULES: "0",
    AUTH_SECRET: "e2e-only-secret-0123456789abcdef",
    NEXT_TELEMETRY_DISABLED: "1",
    E2E_PORT: String(port),
    ...sandboxes.env,
  };
  try {
    await run("next", ["build"], env);
    await run("playwright", ["test", ...(process.env.E2E_GREP ? ["--grep", process.env.E2E_GREP] : [])], env);
  } finally {
    await sandboxes.stop();
  }
}

async function main() {
  if (command === "start:prod") {
    // Before startDatabase: a deployment never falls back to the embedded PostgreSQL. Signals are its own.
    const { startProd } = await import("./start-prod");
    process.exit(await startProd(rest));
  }
  const db = await startDatabase();
  const stopAll = async (code: number) => {
    await db.stop().catch(() => {});
    process.exit(code);
  };
  process.on("SIGINT", () => void stopAll(130));
  process.on("SIGTERM", () => void stopAll(143));
  try {
    switch (command) {
      case "start":
      case "dev": {
        await prepare(db, db.url);
        await run("tsx", [...SERVER_CONDITIONS, "prisma/seed.ts"], { DATABASE_URL: db.url });
        const port = process.env.PORT ?? "3000";
        // Sandbox unless ATLAS_SANDBOX says otherwise; then NANGO_*/ZEP_* must name the real services.
        const sandbox = (process.env.ATLAS_SANDBOX ?? "1") === "1";
        const sandboxes = sandbox
          ? await startSandboxes({
              appUrl: `http://localhost:${port}`,
              databaseUrl: db.url,
              nangoPort: Number(process.env.NANGO_SANDBOX_PORT ?? 3003),
              zepPort: Number(process.env.ZEP_SANDBOX_PORT ?? 4011),
              portHint: "another Atlas may be running; or set NANGO_SANDBOX_PORT / ZEP_SANDBOX_PORT to free ports.",
            })
          : null;
        console.log(`\nAtlas: http://localhost:${port}  (database: ${db.embedded ? "embedded PostgreSQL" : "DATABASE_URL"}${sandbox ? ", sandbox mode" : ""})\n`);
        const app = start("next", ["dev", "--port", port, ...rest], {
          DATABASE_URL: db.url,
          ATLAS_SANDBOX: sandbox ? "1" : process.env.ATLAS_SANDBOX,
          ATLAS_WORKERS: process.env.ATLAS_WORKERS ?? "in-process",
          ...sandboxes?.env,
        });
        const code = await new Promise<number>((resolve) => app.on("exit", (c) => resolve(c ?? 0)));
        await sandboxes?.stop();
        if (code !== 0) throw new Error(`next dev exited with ${code}`);
        break;
      }
      case "test": {
        const url = testDatabaseUrl(db);
        await prepare(db, url, { fresh: true });
        // Route types Next generated for an older tree would fail the check; `next build` rewrites them.
        await rm(path.join(ROOT, ".next", "types"), { recursive: true, force: true });
        await rm(path.join(ROOT, ".next", "dev", "types"), { recursive: true, force: true });
        await run("tsc", ["--noEmit"]);
        await run("eslint", ["."]);
        await run("vitest", ["run", ...rest], { DATABASE_URL: url, ATLAS_TEST_SCALE: undefined });
        if (rest.length === 0 || process.env.ATLAS_E2E === "1") await endToEnd(db);
        // Last and alone, so nothing else competes for the cores: the round trips of the scale dataset.
        if (rest.length === 0) await run("vitest", ["run"], { DATABASE_URL: url, ATLAS_TEST_SCALE: "1" });
        break;
      }
      case "e2e": {
        // Only the browser specs (npm test runs them after the unit tests): E2E_GREP=pattern narrows them.
        await endToEnd(db);
        break;
      }
      case "bench": {
        // Numbers for the README's performance claims, on a database of their own.
        const appName = new URL(testDatabaseUrl(db)).pathname.slice(1).replace(/_test$/, "");
        if (rest.includes("--backup")) {
          // Backup and restore of the scale dataset (generated by --scale), compared table by table.
          const scaleUrl = withDatabaseName(testDatabaseUrl(db), `${appName}_scale`);
          await prepare(db, scaleUrl);
          await run("node", [...SERVER_CONDITIONS, "--import", "tsx", "scripts/bench/backup-roundtrip.ts"], { DATABASE_URL: scaleUrl });
          break;
        }
        if (rest.includes("--scale")) {
          // A million sync jobs: generated once into <db>_scale and kept (--fresh regenerates), then every page measured.
          const scaleUrl = withDatabaseName(testDatabaseUrl(db), `${appName}_scale`);
          await prepare(db, scaleUrl);
          await run("node", [...SERVER_CONDITIONS, "--import", "tsx", "scripts/bench/scale.ts", ...rest], { DATABASE_URL: scaleUrl });
          break;
        }
        const url = withDatabaseName(testDatabaseUrl(db), `${appName}_bench`);
        await prepare(db, url, { fresh: true });
        // --webhooks: only the webhook section (the app under `next start` against a bare node:http + pg floor).
        if (!rest.includes("--webhooks")) {
          await run("node", ["--expose-gc", ...SERVER_CONDITIONS, "--import", "tsx", "scripts/bench.ts"], { DATABASE_URL: url, ATLAS_QUEUE_SCHEDULES: "0" });
        }
        await run("node", [...SERVER_CONDITIONS, "--import", "tsx", "scripts/bench/webhooks.ts", ...rest], { DATABASE_URL: url });
        break;
      }
      case "seed": {
        await prepare(db, db.url);
        await run("tsx", [...SERVER_CONDITIONS, "prisma/seed.ts"], { DATABASE_URL: db.url });
        break;
      }
      case "db": {
        // The embedded server on its own, for psql, Prisma Studio or a second terminal's `DATABASE_URL=... npm test`.
        await prepare(db, db.url);
        console.log(`\nPostgreSQL is up: ${db.url}\nCtrl-C stops it.\n`);
        await new Promise<never>(() => {});
        break;
      }
      case "prisma": {
        await ensureDatabase(db.url);
        // The WebAssembly schema engine answers `migrate dev`'s data-loss check with "shadow DB must be provided
        // through an external factory" when that same run applied migrations; on an up-to-date database the check
        // passes. So pending migrations go in first, through deploy (same migrations, same history table).
        if (rest[0] === "migrate" && rest[1] === "dev") await prisma(["migrate", "deploy"], db.url);
        await prisma(rest, db.url);
        break;
      }
      case "create-admin": {
        await prepare(db, db.url);
        await run("tsx", ["scripts/create-admin.ts", ...rest], { DATABASE_URL: db.url });
        break;
      }
      case "backup": {
        // No migrations here: a backup reads the database as it is.
        const file = rest[0] ?? `atlas-${new Date().toISOString().replace(/[:.]/g, "-")}.backup.gz`;
        const { backup } = await import("./backup");
        const summary = await backup(db.url, path.resolve(file));
        const rows = Object.values(summary.tables).reduce((a, b) => a + b, 0);
        console.log(`Backup written to ${summary.file}: ${Object.keys(summary.tables).length} tables, ${rows} rows, schema at migration ${summary.migrations}.`);
        break;
      }
      case "restore": {
        if (!rest[0]) throw new Error("Usage: npm run restore -- <backup file>  (into DATABASE_URL, which must be an empty database)");
        await ensureDatabase(db.url);
        await prisma(["generate"], db.url);
        const { restore } = await import("./backup");
        const summary = await restore(db.url, path.resolve(rest[0]), () => prisma(["migrate", "deploy"], db.url));
        const rows = Object.values(summary.tables).reduce((a, b) => a + b, 0);
        console.log(`Restored ${Object.keys(summary.tables).length} tables, ${rows} rows; migrations checked (${summary.migrations}).`);
        break;
      }
      case "rotate-keys": {
        await prepare(db, db.url);
        await run("tsx", [...SERVER_CONDITIONS, "scripts/rotate-keys.ts", ...rest], { DATABASE_URL: db.url });
        break;
      }
      default:
        throw new Error(`Unknown command "${command}". Use start, start:prod, test, e2e, bench, seed, db, prisma, create-admin, backup, restore or rotate-keys.`);
    }
    await stopAll(0);
  } catch (err) {
    console.error(`\n${err instanceof Error ? err.message : String(err)}`);
    await stopAll(1);
  }
}

void main();
