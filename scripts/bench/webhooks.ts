// `npm run bench -- --webhooks`: Nango's webhooks at line speed. 2,000 distinct signed sync webhooks (100
// connections) are posted at concurrency 20 to the app as production serves it (scripts/server.ts: the
// webhook path ahead of Next; signature, one INSERT) and, in the same run, to a bare node:http + pg floor (scripts/bench/webhook-floor.mjs)
// that verifies the HMAC and inserts one row. Printed: throughput and p50/p99 of both; how fast the inbox
// worker applied the deliveries; and the effects (SyncJobs) in the database, which must be exactly 2,000.
// Targets: acceptance ≥ 40% of the floor's throughput with p99 ≤ 100 ms, application ≥ 300/s.
// --external-worker: the app only accepts (ATLAS_WORKERS=external); `npm run worker` (a process of its own)
// starts once all 2,000 are stored, so the application rate is the worker's alone (by default the inbox
// worker shares the web process's event loop and applies while deliveries arrive).
import { fork, spawn, type ChildProcess } from "node:child_process";
import { createHmac, randomUUID } from "node:crypto";
import path from "node:path";
import pg from "pg";
import { stableStringify } from "@/sandbox/nango";
import { webServerCommand } from "../lib/web-server";

const ROOT = path.resolve(import.meta.dirname, "../..");
const KEY = "whsec-bench-webhooks";
const DELIVERIES = 2_000;
const CONNECTIONS = 100;
const CONCURRENCY = 20;
const WARMUP = 100;
const APP_PORT = Number(process.env.WEBHOOK_BENCH_PORT ?? 3210);
const FLOOR_PORT = APP_PORT + 1;

type Signed = { body: string; signature: string };
const sign = (payload: unknown): Signed => {
  const body = stableStringify(payload);
  return { body, signature: createHmac("sha256", KEY).update(body).digest("hex") };
};

/** A sync success webhook as Nango sends it, for run `n` of a connection. */
function syncWebhook(connectionId: string, n: number): Signed {
  const at = new Date(Date.UTC(2026, 0, 1) + n * 60_000).toISOString();
  return sign({
    connectionId,
    from: "nango",
    model: "Issue",
    modifiedAfter: at,
    providerConfigKey: "github",
    queryTimeStamp: at,
    responseResults: { added: 3, deleted: 0, updated: 1 },
    success: true,
    syncName: "issues",
    syncType: "INCREMENTAL",
    syncVariant: "base",
    type: "sync",
  });
}

/** Posts every delivery with `concurrency` in flight; returns each request's latency and the wall time. */
async function blast(url: string, deliveries: Signed[], concurrency: number) {
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < deliveries.length) {
        const d = deliveries[next++]!;
        const t = performance.now();
        const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", "x-nango-hmac-sha256": d.signature }, body: d.body });
        await res.arrayBuffer();
        latencies.push(performance.now() - t);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))]!;
  return { perSecond: deliveries.length / seconds, p50: q(0.5), p99: q(0.99), statuses: Object.fromEntries(statuses) };
}

async function waitFor(url: string, child: ChildProcess) {
  for (let i = 0; i < 240; i++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`${url} did not answer within 60 s`);
}

const exited = (child: ChildProcess) => new Promise<number>((resolve) => child.on("exit", (code) => resolve(code ?? 1)));

async function main() {
  const url = process.env.DATABASE_URL!;
  const db = new pg.Client({ connectionString: url });
  await db.connect();

  // 100 connections of one organization (and 10 more for the warm-up), as the auth webhook would make them.
  const org = `org_${randomUUID().slice(0, 8)}`;
  const user = `user_${randomUUID().slice(0, 8)}`;
  await db.query(`INSERT INTO "Organization" (id, name, "updatedAt") VALUES ($1, 'Bench', now())`, [org]);
  await db.query(`INSERT INTO "User" (id, email, "organizationId", "updatedAt") VALUES ($1, $2, $3, now())`, [user, `${user}@bench.test`, org]);
  const ids = Array.from({ length: CONNECTIONS + 10 }, () => randomUUID());
  for (const id of ids) {
    await db.query(
      `INSERT INTO "Connection" (id, provider, "connectionId", "userId", "organizationId", status, metadata, "updatedAt")
       VALUES ($1, 'GITHUB', $1, $2, $3, 'ACTIVE', '{"integrationId":"github","projectId":"default"}', now())`,
      [id, user, org],
    );
  }
  const measured = ids.slice(0, CONNECTIONS);
  const warm = ids.slice(CONNECTIONS);
  const appDeliveries = Array.from({ length: DELIVERIES }, (_, i) => syncWebhook(measured[i % CONNECTIONS]!, i));
  const warmups = Array.from({ length: WARMUP }, (_, i) => syncWebhook(warm[i % warm.length]!, i));

  const external = process.argv.includes("--external-worker");
  const env = {
    ...process.env,
    DATABASE_URL: url,
    ATLAS_SANDBOX: "1",
    // No ingestion queue: a sync job is then completed at once, so what is measured is the webhook path.
    ATLAS_WORKERS: external ? "external" : "off",
    ATLAS_QUEUE_SCHEDULES: "0",
    AUTH_SECRET: "webhook-bench-secret-0123456789abcdef",
    NANGO_WEBHOOK_SIGNING_KEY: KEY,
    NEXT_TELEMETRY_DISABLED: "1",
    ATLAS_NEXT_DIST_DIR: ".next-bench-webhooks", // not inside .next: a build there empties it
    LOG_LEVEL: "warn",
  };
  const bin = (name: string) => path.join(ROOT, "node_modules", ".bin", name);
  if (!process.argv.includes("--no-build")) {
    console.log("Building the app (next build) …");
    if ((await exited(spawn(bin("next"), ["build"], { cwd: ROOT, env, stdio: "ignore" }))) !== 0) throw new Error("next build failed; run it alone to see why");
  }
  const web = webServerCommand(APP_PORT);
  const app = spawn(web.command, web.args, { cwd: ROOT, env, stdio: "ignore" });
  const running: { worker?: ChildProcess } = {};
  const startWorker = () =>
    (running.worker = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", "scripts/worker.ts"], { cwd: ROOT, env: { ...env, ATLAS_WORKER_QUEUES: "webhooks" }, stdio: "ignore" }));
  const floor = fork(path.join(ROOT, "scripts/bench/webhook-floor.mjs"), [String(FLOOR_PORT)], { env, stdio: "ignore" });
  try {
    const appUrl = `http://127.0.0.1:${APP_PORT}/api/webhooks/nango`;
    const floorUrl = `http://127.0.0.1:${FLOOR_PORT}/`;
    await waitFor(`http://127.0.0.1:${APP_PORT}/api/health`, app);
    await waitFor(floorUrl, floor);

    await blast(appUrl, warmups, CONCURRENCY);
    await blast(floorUrl, warmups, CONCURRENCY);
    if (external) startWorker();
    // Warm-up deliveries applied before the measured run starts.
    for (let i = 0; i < 200; i++) {
      const { rows } = await db.query(`SELECT count(*)::int n FROM "WebhookDelivery" WHERE outcome = 'RECEIVED'`);
      if (rows[0].n === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }

    // External: the warm-ups drained, the worker stops until every measured delivery is stored.
    if (external) {
      running.worker!.kill("SIGTERM");
      await exited(running.worker!);
    }
    const appRun = await blast(appUrl, appDeliveries, CONCURRENCY);
    if (external) startWorker();
    const acceptedAt = Date.now();
    // Application: until every measured delivery has an outcome (or 2 minutes).
    let pending = DELIVERIES;
    while (pending > 0 && Date.now() - acceptedAt < 120_000) {
      const { rows } = await db.query(`SELECT count(*)::int n FROM "WebhookDelivery" WHERE outcome = 'RECEIVED' AND "connectionId" = ANY($1)`, [measured]);
      pending = rows[0].n;
      if (pending > 0) await new Promise((r) => setTimeout(r, 50));
    }
    const { rows: applied } = await db.query(
      `SELECT count(*) FILTER (WHERE outcome = 'APPLIED')::int applied, count(*)::int stored,
              extract(epoch FROM max("appliedAt") - ${external ? `min("appliedAt")` : `min("receivedAt")`})::float8 seconds
       FROM "WebhookDelivery" WHERE "connectionId" = ANY($1)`,
      [measured],
    );
    const { rows: effects } = await db.query(`SELECT count(*)::int n FROM "SyncJob" j JOIN "Connection" c ON c.id = j."connectionId" WHERE c."connectionId" = ANY($1)`, [measured]);

    const floorDeliveries = Array.from({ length: DELIVERIES }, (_, i) => syncWebhook(measured[i % CONNECTIONS]!, DELIVERIES + i));
    const floorRun = await blast(floorUrl, floorDeliveries, CONCURRENCY);

    const applyRate = applied[0].applied / applied[0].seconds;
    const ratio = appRun.perSecond / floorRun.perSecond;
    const fmt = (n: number) => n.toFixed(1).padStart(8);
    console.log(`\nWebhooks: ${DELIVERIES} distinct signed sync webhooks over ${CONNECTIONS} connections, concurrency ${CONCURRENCY} (after ${WARMUP} warm-ups)`);
    console.log(external ? "inbox worker: npm run worker, a process of its own\n" : "inbox worker: in the web process (ATLAS_WORKERS default)\n");
    console.log(`${"".padEnd(34)} ${"per s".padStart(8)} ${"p50 ms".padStart(8)} ${"p99 ms".padStart(8)}  answers`);
    console.log(`${"app (production server, + INSERT)".padEnd(34)} ${fmt(appRun.perSecond)} ${fmt(appRun.p50)} ${fmt(appRun.p99)}  ${JSON.stringify(appRun.statuses)}`);
    console.log(`${"floor (node:http + pg INSERT)".padEnd(34)} ${fmt(floorRun.perSecond)} ${fmt(floorRun.p50)} ${fmt(floorRun.p99)}  ${JSON.stringify(floorRun.statuses)}`);
    console.log(`\nacceptance: ${(ratio * 100).toFixed(0)}% of the floor (target ≥ 40%), p99 ${appRun.p99.toFixed(1)} ms (target ≤ 100 ms)`);
    console.log(
      `application: ${applied[0].applied} of ${applied[0].stored} applied at ${applyRate.toFixed(0)}/s, ${external ? "first to last applied, by the worker alone" : "first received to last applied (bounded by arrival)"} (target ≥ 300/s)`,
    );
    console.log(`effects: ${effects[0].n} sync jobs (must be exactly ${DELIVERIES})`);
    const ok = ratio >= 0.4 && appRun.p99 <= 100 && applyRate >= 300 && effects[0].n === DELIVERIES;
    console.log(ok ? "\nall webhook targets met" : "\nsome webhook targets NOT met");
  } finally {
    app.kill("SIGTERM");
    running.worker?.kill("SIGTERM");
    floor.kill("SIGTERM");
    await db.end();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
