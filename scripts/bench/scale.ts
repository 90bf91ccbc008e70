// `npm run bench -- --scale`: every dashboard page at a million sync jobs, measured against its SQL floor.
// The dataset (scripts/bench/scale-data.ts) lives in a database of its own and is generated once (again with
// --fresh). The app is built and served by the production server (scripts/server.ts) exactly as deployed; a preload
// (sql-trace.mjs) records the statements each request sends. For every page and viewer the bench prints:
//   the full server response, median and p95 over 30 requests (after 3 warm-ups);
//   the floor: the same request's statements replayed one after the other with `pg` in the same run;
//   the number of statements, and the slowest one's plan (EXPLAIN ANALYZE) for Big's admin.
// It also checks each statement's plan for sequential scans of the big tables (another tenant's rows read).
import { spawn, type ChildProcess } from "node:child_process";
import { webServerCommand } from "../lib/web-server";
import { mkdtemp, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { encode } from "next-auth/jwt";
import pg from "pg";
import { generateScaleData, hasScaleData, VIEWERS } from "./scale-data";

const ROOT = path.resolve(import.meta.dirname, "../..");
const RUNS = 30;
const WARMUP = 3;
const SECRET = "scale-bench-secret-0123456789abcdef";
const PORT = Number(process.env.SCALE_BENCH_PORT ?? 3200);
const BIG_TABLES = ["SyncJob", "Connection", "WebhookDelivery"];

type Statement = { text: string; values: unknown[] };
type Viewer = (typeof VIEWERS)[keyof typeof VIEWERS];
type Page = { name: string; path: string; adminOnly?: boolean };

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!;
const stats = (times: number[]) => {
  const sorted = [...times].sort((a, b) => a - b);
  return { median: quantile(sorted, 0.5), p95: quantile(sorted, 0.95) };
};
const fmt = (n: number) => n.toFixed(1).padStart(7);

const exited = (child: ChildProcess) => new Promise<number>((resolve) => child.on("exit", (code) => resolve(code ?? 1)));

async function waitForServer(url: string, child: ChildProcess) {
  for (let i = 0; i < 240; i++) {
    if (child.exitCode !== null) throw new Error(`the web server exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer within 60 s`);
}

/** A session cookie as Auth.js would set it after sign-in (JWT strategy, http cookie name). */
async function sessionCookie(viewer: Viewer): Promise<string> {
  const name = "authjs.session-token";
  const token = await encode({ token: { sub: viewer.userId, atlasUserId: viewer.userId, email: viewer.email, name: viewer.email }, secret: SECRET, salt: name });
  return `${name}=${token}`;
}

/** The position 200 pages (of 20) down the viewer's sync history, encoded as the page encodes it. */
async function deepSyncCursor(db: pg.Client, viewer: Viewer): Promise<string> {
  const { rows } = await db.query(
    `SELECT j.id, j."startedAt" FROM "SyncJob" j JOIN "Connection" c ON c.id = j."connectionId" JOIN "User" u ON u.id = $1
     WHERE c."organizationId" = u."organizationId" AND (u.role = 'ADMIN' OR c."userId" = u.id)
     ORDER BY j."startedAt" DESC, j.id DESC OFFSET 3999 LIMIT 1`,
    [viewer.userId],
  );
  const row = rows[0] as { id: string; startedAt: Date } | undefined;
  if (!row) throw new Error(`${viewer.label} has fewer than 4,000 jobs`);
  return Buffer.from(JSON.stringify({ t: row.startedAt.toISOString(), id: row.id })).toString("base64url");
}

async function firstConnection(db: pg.Client, viewer: Viewer): Promise<string> {
  const { rows } = await db.query(
    `SELECT c.id FROM "Connection" c JOIN "User" u ON u.id = $1 WHERE c."organizationId" = u."organizationId" AND (u.role = 'ADMIN' OR c."userId" = u.id) ORDER BY c.id LIMIT 1`,
    [viewer.userId],
  );
  return (rows[0] as { id: string }).id;
}

async function pagesFor(db: pg.Client, viewer: Viewer): Promise<Page[]> {
  return [
    { name: "overview", path: "/" },
    { name: "connections list", path: "/connections" },
    { name: "connection", path: `/connections/${await firstConnection(db, viewer)}` },
    { name: "sync history", path: "/syncs" },
    { name: "sync history, page 201", path: `/syncs?cursor=${await deepSyncCursor(db, viewer)}` },
    { name: "sync history, FAILED", path: "/syncs?status=FAILED" },
    { name: "sync history, JIRA", path: "/syncs?provider=JIRA" },
    { name: "webhooks", path: "/webhooks", adminOnly: true },
    { name: "users", path: "/users", adminOnly: true },
    { name: "knowledge", path: "/knowledge" },
  ];
}

class Trace {
  private offset = 0;
  constructor(readonly file: string) {}
  async mark() {
    this.offset = (await stat(this.file).catch(() => ({ size: 0 }))).size;
  }
  /** The statements sent since the last mark. */
  async since(): Promise<Statement[]> {
    const text = (await readFile(this.file)).subarray(this.offset).toString();
    return text.split("\n").filter(Boolean).map((line) => JSON.parse(line) as Statement);
  }
}

/** RUNS timed GETs of a path (after WARMUP), each one's SQL statements traced: times, and the last one's statements. */
async function measure(trace: Trace, pathname: string, who: string, cookie: string) {
  const get = async () => {
    const res = await fetch(`http://127.0.0.1:${PORT}${pathname}`, { headers: cookie ? { cookie } : {}, redirect: "manual" });
    const body = await res.text();
    if (res.status !== 200) throw new Error(`${pathname} as ${who} answered ${res.status}: ${body.slice(0, 200)}`);
  };
  for (let i = 0; i < WARMUP; i++) await get();
  const times: number[] = [];
  let statements: Statement[] = [];
  for (let i = 0; i < RUNS; i++) {
    await trace.mark();
    const start = performance.now();
    await get();
    times.push(performance.now() - start);
    statements = await trace.since();
  }
  return { times, statements };
}

async function replay(db: pg.Client, statements: Statement[]): Promise<number[]> {
  const each: number[] = [];
  for (const s of statements) {
    const start = performance.now();
    await db.query(s.text, s.values);
    each.push(performance.now() - start);
  }
  return each;
}

/** Plans of a request's statements: the slowest's text, and any sequential scan of a big table. */
async function plans(db: pg.Client, statements: Statement[], slowest: number) {
  const seqScans: string[] = [];
  let slowestPlan = "";
  for (const [i, s] of statements.entries()) {
    if (!/^\s*(SELECT|WITH)/i.test(s.text)) continue;
    const { rows } = await db.query(`EXPLAIN (ANALYZE, BUFFERS) ${s.text}`, s.values);
    const plan = rows.map((r: Record<string, string>) => r["QUERY PLAN"]).join("\n");
    for (const table of BIG_TABLES) if (new RegExp(`Seq Scan on "?${table}"?`).test(plan)) seqScans.push(`${table} (statement ${i + 1})`);
    if (i === slowest) slowestPlan = plan;
  }
  return { seqScans, slowestPlan };
}

async function main() {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set (run through npm run bench -- --scale)");
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  if (process.argv.includes("--fresh") || !(await hasScaleData(db))) {
    console.log("Generating the scale dataset (set-based SQL):");
    const start = performance.now();
    await generateScaleData(db, (line) => console.log(line));
    console.log(`  generated in ${((performance.now() - start) / 1000).toFixed(0)} s`);
  } else console.log("Scale dataset already present (--fresh regenerates it).");

  const dir = await mkdtemp(path.join(tmpdir(), "atlas-scale-"));
  const traceFile = path.join(dir, "sql.jsonl");
  await writeFile(traceFile, "");
  const env = {
    DATABASE_URL: url,
    ATLAS_SANDBOX: "1",
    ATLAS_WORKERS: "off",
    ATLAS_QUEUE_SCHEDULES: "0",
    AUTH_SECRET: SECRET,
    NEXT_TELEMETRY_DISABLED: "1",
    ATLAS_NEXT_DIST_DIR: ".next-bench",
    LOG_LEVEL: "warn",
  };
  if (!process.argv.includes("--no-build")) {
    console.log("Building the app (next build) …");
    const build = spawn(path.join(ROOT, "node_modules", ".bin", "next"), ["build"], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    build.stdout.on("data", (d) => (output += d));
    build.stderr.on("data", (d) => (output += d));
    if ((await exited(build)) !== 0) throw new Error(`next build failed:\n${output.slice(-3000)}`);
  }
  const web = webServerCommand(PORT);
  const server = spawn(web.command, web.args, {
    cwd: ROOT,
    stdio: "ignore",
    env: {
      ...process.env,
      ...env,
      ATLAS_BENCH_SQL_TRACE: traceFile,
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --import ${path.join(ROOT, "scripts/bench/sql-trace.mjs")}`.trim(),
    },
  });
  const trace = new Trace(traceFile);
  try {
    await waitForServer(`http://127.0.0.1:${PORT}/signin`, server);
    console.log(`\nDashboard pages at 100 organizations, 10,000 connections, 1,000,000 sync jobs, 200,000 webhook deliveries`);
    console.log(`(${RUNS} requests each after ${WARMUP} warm-ups; floor = the same statements replayed with pg; times in ms)\n`);
    console.log(`${"page".padEnd(24)} ${"viewer".padEnd(17)} ${"median".padStart(7)} ${"p95".padStart(7)} ${"floor".padStart(7)} ${"fl.p95".padStart(7)}  ×floor  SQL  targets`);
    // What the server costs with no SQL (a route handler: no page answers faster) and a page with little.
    const reference = [
      { name: "/api/health (a route handler, no SQL)", path: "/api/health" },
      { name: "/signin (a page, signed out)", path: "/signin" },
    ];
    const referenceLines: string[] = [];
    for (const r of reference) {
      const { times, statements } = await measure(trace, r.path, "signed out", "");
      const t = stats(times);
      referenceLines.push(`  ${r.name.padEnd(40)} median ${t.median.toFixed(1)} ms, p95 ${t.p95.toFixed(1)} ms, ${statements.length} SQL statement(s)`);
    }
    const slowPlans: string[] = [];
    const seqScanReport: string[] = [];
    const statementCounts = new Map<string, Set<number>>();
    let failures = 0;
    for (const viewer of Object.values(VIEWERS)) {
      const cookie = await sessionCookie(viewer);
      const isAdmin = viewer !== VIEWERS.bigMember;
      for (const page of await pagesFor(db, viewer)) {
        if (page.adminOnly && !isAdmin) continue;
        const { times, statements } = await measure(trace, page.path, viewer.label, cookie);
        const floorTimes: number[] = [];
        let perStatement: number[] = [];
        for (let i = 0; i < RUNS; i++) {
          perStatement = await replay(db, statements);
          floorTimes.push(perStatement.reduce((a, b) => a + b, 0));
        }
        const server = stats(times);
        const floor = stats(floorTimes);
        const slowest = perStatement.indexOf(Math.max(...perStatement));
        const { seqScans, slowestPlan } = await plans(db, statements, slowest);
        if (seqScans.length) seqScanReport.push(`  ${page.name} as ${viewer.label}: ${seqScans.join(", ")}`);
        if (viewer === VIEWERS.bigAdmin) slowPlans.push(`--- ${page.name} (Big, admin): slowest statement ${perStatement[slowest]?.toFixed(1)} ms\n${statements[slowest]?.text.slice(0, 300)}\n${slowestPlan}`);
        const counts = statementCounts.get(page.name.replace(/,.*$/, "")) ?? new Set<number>();
        counts.add(statements.length);
        statementCounts.set(page.name.replace(/,.*$/, ""), counts);
        const ok = server.p95 <= 150 && server.median <= 2 * floor.median;
        if (!ok) failures++;
        console.log(
          `${page.name.padEnd(24)} ${viewer.label.padEnd(17)} ${fmt(server.median)} ${fmt(server.p95)} ${fmt(floor.median)} ${fmt(floor.p95)}  ${(server.median / Math.max(floor.median, 0.01)).toFixed(1).padStart(5)}  ${String(statements.length).padStart(3)}  ${ok ? "met" : "MISSED (p95 ≤ 150 ms, median ≤ 2× floor)"}`,
        );
      }
    }
    console.log(`\nStatements per page, across viewers and depths: ${[...statementCounts].map(([p, c]) => `${p} ${[...c].join("/")}`).join("; ")}`);
    console.log(seqScanReport.length ? `Sequential scans of big tables:\n${seqScanReport.join("\n")}` : "No statement scans SyncJob, Connection or WebhookDelivery sequentially (each reads through an index scoped to the organization).");
    console.log(`${failures} page(s) missed a target.`);
    console.log(`\nThe same server, for scale: a route handler with no SQL (no response is faster), a page with little:\n${referenceLines.join("\n")}`);
    if (process.argv.includes("--plans")) console.log(`\nPlans of each page's slowest statement (Big's admin):\n${slowPlans.join("\n\n")}`);
  } finally {
    server.kill("SIGTERM");
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
