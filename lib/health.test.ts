// Readiness against real PostgreSQL: this test database is migrated by `npm test` before Vitest starts.
import { mkdtemp, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import pg from "pg";
import PgBoss from "pg-boss";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { holder } from "@/lib/queue/lifecycle";
import { testEnv } from "@/lib/test/env";
import { liveness, readiness } from "./health";

const DATABASE_URL = process.env.DATABASE_URL!;
const MIGRATIONS = path.resolve(import.meta.dirname, "../prisma/migrations");

const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });

afterEach(() => {
  holder.atlasQueue = undefined;
});
afterAll(() => pool.end());

describe("health", () => {
  it("liveness answers without touching anything", () => {
    expect(liveness().status).toBe("ok");
  });

  it("serves with the database up and every migration applied; Nango and Zep unconfigured only degrade it", async () => {
    const r = await readiness({ env: testEnv({ DATABASE_URL, ATLAS_WORKERS: "off" }), migrationsDir: MIGRATIONS });
    expect(r.checks.database.status).toBe("ok");
    expect(r.checks.migrations).toMatchObject({ status: "ok" });
    expect(r.checks.queue).toMatchObject({ status: "ok", detail: "off" });
    expect(r.checks.nango).toMatchObject({ status: "down", detail: "not configured" });
    expect(r.checks.zep).toMatchObject({ status: "down", detail: "not configured" });
    expect(r.status).toBe("degraded");
  });

  it("asks its questions one at a time on its connection (pg warns about overlapping queries on one client)", async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on("warning", onWarning);
    try {
      await readiness({ env: testEnv({ DATABASE_URL, ATLAS_WORKERS: "external" }), migrationsDir: MIGRATIONS });
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off("warning", onWarning);
    }
    expect(warnings.filter((m) => /already executing a query/.test(m))).toEqual([]);
  });

  it("is not ready when a migration on disk is not applied, and names it", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "atlas-migrations-"));
    await mkdir(path.join(dir, "29991231000000_not_yet"));
    const r = await readiness({ env: testEnv({ DATABASE_URL, ATLAS_WORKERS: "off" }), migrationsDir: dir });
    expect(r.status).toBe("not ready");
    expect(r.checks.migrations.detail).toContain("29991231000000_not_yet");
  });

  it("is not ready, within the timeout, when the database does not answer; no URL or password in the report", async () => {
    // A listening port that never speaks PostgreSQL would hang a client without a timeout.
    const net = await import("node:net");
    const silent = net.createServer(() => {}).listen(0, "127.0.0.1");
    await new Promise((r) => silent.once("listening", r));
    const port = (silent.address() as { port: number }).port;
    const started = Date.now();
    const r = await readiness({ env: testEnv({ DATABASE_URL: `postgresql://atlas:s3cret-pw@127.0.0.1:${port}/atlas`, ATLAS_WORKERS: "off" }), timeoutMs: 300 });
    silent.close();
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(r.status).toBe("not ready");
    expect(r.checks.database.status).toBe("down");
    expect(JSON.stringify(r)).not.toMatch(/s3cret|127\.0\.0\.1|postgresql:/);
  });

  it("reports this process's queue workers: not started or starting degrades, it does not fail readiness", async () => {
    const env = testEnv({ DATABASE_URL, ATLAS_WORKERS: "in-process" });
    const first = await readiness({ env, migrationsDir: MIGRATIONS });
    expect(first.checks.queue).toMatchObject({ status: "degraded", detail: "not started" });
    expect(first.status).toBe("degraded");
    let release!: () => void;
    const workers = new Promise<never>((resolve) => (release = () => resolve({} as never)));
    holder.atlasQueue = { boss: Promise.resolve({} as never), workers, stopping: false, settings: {} as never };
    expect((await readiness({ env, migrationsDir: MIGRATIONS })).checks.queue).toMatchObject({ status: "degraded", detail: "starting" });
    release();
    await workers;
    const ready = await readiness({ env, migrationsDir: MIGRATIONS });
    expect(ready.checks.queue.status).toBe("ok");
    const failed = Promise.reject(new Error("boom"));
    failed.catch(() => {});
    holder.atlasQueue = { boss: Promise.resolve({} as never), workers: failed, stopping: false, settings: {} as never };
    expect((await readiness({ env, migrationsDir: MIGRATIONS })).checks.queue).toMatchObject({ status: "degraded", detail: "failed to start" });
  });

  it("reports pg-boss's backlog per queue and degrades when the oldest due job has waited too long", async () => {
    const schema = `pgboss_health_${randomUUID().replace(/-/g, "").slice(0, 10)}`;
    const boss = new PgBoss({ connectionString: DATABASE_URL, schema, schedule: false, supervise: false });
    await boss.start();
    try {
      await boss.createQueue("health-test");
      await boss.send("health-test", { n: 1 });
      await boss.send("health-test", { n: 2 });
      await boss.send("health-test", { n: 3 }, { startAfter: 3600 }); // not due yet: not waiting
      const env = testEnv({ DATABASE_URL, ATLAS_WORKERS: "external", ATLAS_QUEUE_SCHEMA: schema });
      holder.atlasQueue = { boss: Promise.resolve(boss), stopping: false, settings: {} as never };
      const fresh = await readiness({ env, migrationsDir: MIGRATIONS });
      expect(fresh.checks.queue).toMatchObject({ status: "ok", detail: "enqueue only" });
      expect(fresh.checks.queue.backlog?.["health-test"]).toMatchObject({ waiting: 2, active: 0 });
      expect(fresh.checks.queue.backlog?.["health-test"].oldestWaitingSeconds).toBeLessThan(60);

      // Nobody has taken the jobs for half an hour.
      await pool.query(`UPDATE "${schema}".job SET start_after = now() - interval '30 minutes' WHERE name = 'health-test' AND start_after <= now()`);
      const stale = await readiness({ env, migrationsDir: MIGRATIONS });
      expect(stale.checks.queue.status).toBe("degraded");
      expect(stale.checks.queue.detail).toMatch(/waited 30 min/);
      expect(stale.checks.queue.backlog?.["health-test"].oldestWaitingSeconds).toBeGreaterThanOrEqual(1800);
      expect(stale.status).toBe("degraded"); // a 200: pages still load
    } finally {
      await boss.stop({ graceful: false, wait: true });
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    }
  });
});
