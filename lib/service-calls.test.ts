// When Nango and Zep last answered, recorded by their client modules and reported by /api/ready, against the
// real sandboxes. On a database of this file's own: every other test file calls the sandboxes too, and their
// records would land in the same two rows. Recreated at each run and left behind: dropping it would cut the
// app pool's idle connections, which lib/db/client does not expose to close first.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startNangoSandbox, type NangoSandbox } from "@/sandbox/nango";
import { startZepSandbox, type ZepSandbox } from "@/sandbox/zep";
import { databaseName, recreateDatabase, withDatabaseName } from "@/scripts/lib/database";
import { prisma as prismaCli } from "@/scripts/lib/run";
import { serviceCheck, RECENT_MS, type Readiness } from "./health";

const url = withDatabaseName(process.env.DATABASE_URL!, `${databaseName(process.env.DATABASE_URL!)}_calls`);
const NANGO_SECRET = "sk-service-calls-secret";
const ZEP_KEY = "zep-service-calls-secret";
let nango: NangoSandbox;
let zep: ZepSandbox;
let sql: pg.Pool;
// Imported once the environment names this file's database (lib/db/client reads it when it loads).
let calls: typeof import("./service-calls");
let nangoClient: typeof import("@/lib/nango/client").nangoClient;
let zepLib: typeof import("@/lib/zep");
let route: typeof import("@/app/api/ready/route");
let legacyRoute: typeof import("@/app/api/health/ready/route");

beforeAll(async () => {
  await recreateDatabase(url);
  await prismaCli(["migrate", "deploy"], url);
  nango = await startNangoSandbox({ secretKey: NANGO_SECRET, webhookSigningKey: "whsec-calls" });
  zep = await startZepSandbox({ apiKey: ZEP_KEY, processingMs: 1 });
  vi.stubEnv("DATABASE_URL", url);
  vi.stubEnv("NANGO_HOST", nango.url);
  vi.stubEnv("NANGO_SECRET_KEY", NANGO_SECRET);
  vi.stubEnv("ZEP_API_KEY", ZEP_KEY);
  vi.stubEnv("ZEP_BASE_URL", zep.url);
  vi.stubEnv("ATLAS_WORKERS", "off");
  delete (globalThis as { atlasPrisma?: unknown }).atlasPrisma;
  calls = await import("./service-calls");
  nangoClient = (await import("@/lib/nango/client")).nangoClient;
  zepLib = await import("@/lib/zep");
  route = await import("@/app/api/ready/route");
  legacyRoute = await import("@/app/api/health/ready/route");
  sql = new pg.Pool({ connectionString: url, max: 2 });
}, 120_000);

afterAll(async () => {
  calls?.resetServiceCallTracking();
  await (await import("@/lib/db/client")).prisma.$disconnect();
  await sql?.end();
  await nango?.stop();
  await zep?.stop();
  vi.unstubAllEnvs();
});

type Row = { lastSuccessAt: Date | null; lastFailureAt: Date | null; lastFailure: string | null };
const row = async (service: string): Promise<Row | undefined> =>
  (await sql.query<Row>(`SELECT "lastSuccessAt", "lastFailureAt", "lastFailure" FROM "ServiceCall" WHERE service = $1`, [service])).rows[0];

async function ready(): Promise<{ status: number; body: Readiness; text: string }> {
  const res = await route.GET();
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as Readiness, text };
}

describe("Nango and Zep calls, as /api/ready reports them", () => {
  it("records a Nango answer and a refused key from the SDK's own requests; readiness says when, not how", async () => {
    const before = new Date();
    await nangoClient().listIntegrations();
    await calls.flushServiceCalls();
    const answered = await row("nango");
    expect(answered?.lastSuccessAt?.getTime()).toBeGreaterThanOrEqual(before.getTime() - 1);
    expect(answered?.lastFailureAt).toBeNull();
    let report = await ready();
    expect(report.status).toBe(200);
    expect(report.body.checks.nango).toMatchObject({ status: "ok", lastSuccessAt: answered!.lastSuccessAt!.toISOString() });

    // The same host with a key Nango refuses: Nango answered, but Atlas cannot use it.
    vi.stubEnv("NANGO_SECRET_KEY", "sk-revoked");
    await expect(nangoClient().listIntegrations()).rejects.toThrow();
    await calls.flushServiceCalls();
    const refused = await row("nango");
    expect(refused).toMatchObject({ lastFailure: "HTTP 401", lastSuccessAt: answered!.lastSuccessAt });
    expect(refused!.lastFailureAt!.getTime()).toBeGreaterThanOrEqual(answered!.lastSuccessAt!.getTime());
    report = await ready();
    expect(report.status).toBe(200); // degraded, not unready: pages still load
    expect(report.body.status).toBe("degraded");
    expect(report.body.checks.nango).toMatchObject({ status: "degraded", lastFailure: "HTTP 401" });
    expect(report.body.checks.nango.detail).toMatch(/the last call failed \(HTTP 401\); it answered 1 min ago/);
    // No key, host or port: the endpoint is public.
    expect(report.text).not.toMatch(/sk-|zep-service|127\.0\.0\.1|localhost|postgres/);
    vi.stubEnv("NANGO_SECRET_KEY", NANGO_SECRET);
  });

  it("records Zep: a 404 is an answer, a 503 after the retries is a failure, and the next answer clears it", async () => {
    const client = zepLib.zepClientFromEnv();
    const once = { client, retry: { maxAttempts: 1 } };
    await zepLib.ensureGraph("service-calls-graph", once); // 404 on lookup, then created
    await calls.flushServiceCalls();
    const first = await row("zep");
    expect(first?.lastSuccessAt).not.toBeNull();
    expect(first?.lastFailureAt).toBeNull();

    zep.setFault({ status: 503, times: 5 });
    await expect(zepLib.ensureGraph("service-calls-graph-2", once)).rejects.toBeInstanceOf(zepLib.ZepCallError);
    zep.setFault(null);
    await calls.flushServiceCalls();
    expect(await row("zep")).toMatchObject({ lastFailure: "ZEP_UNAVAILABLE", lastSuccessAt: first!.lastSuccessAt });
    expect((await ready()).body.checks.zep.status).toBe("degraded");

    await zepLib.ensureGraph("service-calls-graph-2", once);
    await calls.flushServiceCalls();
    const after = await row("zep");
    expect(after!.lastSuccessAt!.getTime()).toBeGreaterThan(after!.lastFailureAt!.getTime());
    expect((await ready()).body.checks.zep).toMatchObject({ status: "ok", lastFailure: "ZEP_UNAVAILABLE" });
  });

  it("writes a turn of outcome at once and repeats of it at most every FLUSH_MS", async () => {
    calls.resetServiceCallTracking();
    await sql.query(`DELETE FROM "ServiceCall" WHERE service = 'zep'`);
    const t1 = new Date(Date.now() - 2_000);
    calls.recordCall("zep", { ok: true }, t1);
    await vi.waitFor(async () => expect((await row("zep"))?.lastSuccessAt?.toISOString()).toBe(t1.toISOString()));
    const t2 = new Date(Date.now() - 1_000);
    calls.recordCall("zep", { ok: true }, t2); // the same outcome within FLUSH_MS: held back
    await new Promise((r) => setTimeout(r, 200));
    expect((await row("zep"))?.lastSuccessAt?.toISOString()).toBe(t1.toISOString());
    const t3 = new Date();
    calls.recordCall("zep", { ok: false, code: "TIMEOUT" }, t3); // a turn: written at once, with what was held
    await vi.waitFor(async () => expect(await row("zep")).toMatchObject({ lastFailure: "TIMEOUT", lastFailureAt: t3, lastSuccessAt: t2 }));
    // An older time written late (another process) never moves a time backwards.
    calls.recordCall("zep", { ok: true }, t1);
    await calls.flushServiceCalls();
    expect((await row("zep"))?.lastSuccessAt?.toISOString()).toBe(t2.toISOString());
  });

  it("keeps codes short and free of text a message could carry", async () => {
    calls.recordCall("nango", { ok: false, code: "https://user:pw@nango.internal/x?key=sk-123 and a long story after it" });
    await calls.flushServiceCalls();
    const stored = (await row("nango"))!.lastFailure!;
    expect(stored.length).toBeLessThanOrEqual(40);
    expect(stored).not.toMatch(/[:/@?=]/);
  });

  it("is 503 only when the database is down, on both addresses", async () => {
    vi.stubEnv("DATABASE_URL", "postgresql://atlas:pw@127.0.0.1:1/atlas");
    try {
      const res = await legacyRoute.GET();
      expect(res.status).toBe(503);
      const body = (await res.json()) as Readiness;
      expect(body.checks.database.status).toBe("down");
      expect(body.checks.zep).toMatchObject({ status: "degraded", detail: "unknown (the database could not say)" });
    } finally {
      vi.stubEnv("DATABASE_URL", url);
    }
    expect((await route.GET()).status).toBe(200);
  });
});

describe("serviceCheck", () => {
  const now = new Date("2026-11-25T12:00:00Z");
  const ago = (ms: number) => new Date(now.getTime() - ms);
  const row = (success: Date | null, failure: Date | null) => ({ service: "zep", lastSuccessAt: success, lastFailureAt: failure, lastFailure: failure ? "HTTP 503" : null });

  it("is ok when the last call answered lately, degraded when nothing was heard lately, down when failing for long", () => {
    expect(serviceCheck(row(ago(60_000), null), true, now).status).toBe("ok");
    expect(serviceCheck(row(ago(60_000), ago(120_000)), true, now).status).toBe("ok"); // failed, then answered
    expect(serviceCheck(row(ago(RECENT_MS + 1), null), true, now)).toMatchObject({ status: "degraded", detail: "no call in the last 15 min" });
    expect(serviceCheck(undefined, true, now)).toMatchObject({ status: "degraded", detail: "no call recorded yet" });
    expect(serviceCheck(row(ago(120_000), ago(60_000)), true, now).status).toBe("degraded");
    expect(serviceCheck(row(ago(RECENT_MS + 60_000), ago(60_000)), true, now)).toMatchObject({ status: "down", lastFailure: "HTTP 503" });
    expect(serviceCheck(row(null, ago(60_000)), true, now).status).toBe("down");
    expect(serviceCheck(row(ago(1), null), false, now)).toMatchObject({ status: "down", detail: "not configured" });
  });
});
