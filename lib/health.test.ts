// Readiness against real PostgreSQL: this test database is migrated by `npm test` before Vitest starts.
import { mkdtemp, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { holder } from "@/lib/queue/lifecycle";
import { testEnv } from "@/lib/test/env";
import { liveness, readiness } from "./health";

const DATABASE_URL = process.env.DATABASE_URL!;
const MIGRATIONS = path.resolve(import.meta.dirname, "../prisma/migrations");

afterEach(() => {
  holder.atlasQueue = undefined;
});

describe("health", () => {
  it("liveness answers without touching anything", () => {
    expect(liveness().status).toBe("ok");
  });

  it("is ready with the database up, every migration applied and no queue asked for", async () => {
    const r = await readiness({ env: testEnv({ DATABASE_URL, ATLAS_WORKERS: "off" }), migrationsDir: MIGRATIONS });
    expect(r.checks.database.ok).toBe(true);
    expect(r.checks.migrations).toMatchObject({ ok: true });
    expect(r.status).toBe("ready");
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
    expect(r.checks.database.ok).toBe(false);
    expect(JSON.stringify(r)).not.toMatch(/s3cret|127\.0\.0\.1|postgresql:/);
  });

  it("needs the queue's workers when ATLAS_WORKERS=in-process", async () => {
    const env = testEnv({ DATABASE_URL, ATLAS_WORKERS: "in-process" });
    expect((await readiness({ env, migrationsDir: MIGRATIONS })).checks.queue).toMatchObject({ ok: false, detail: "not started" });
    let release!: () => void;
    const workers = new Promise<never>((resolve) => (release = () => resolve({} as never)));
    holder.atlasQueue = { boss: Promise.resolve({} as never), workers, stopping: false, settings: {} as never };
    expect((await readiness({ env, migrationsDir: MIGRATIONS })).checks.queue).toMatchObject({ ok: false, detail: "starting" });
    release();
    await workers;
    const ready = await readiness({ env, migrationsDir: MIGRATIONS });
    expect(ready.checks.queue.ok).toBe(true);
    expect(ready.status).toBe("ready");
    const failed = Promise.reject(new Error("boom"));
    failed.catch(() => {});
    holder.atlasQueue = { boss: Promise.resolve({} as never), workers: failed, stopping: false, settings: {} as never };
    expect((await readiness({ env, migrationsDir: MIGRATIONS })).checks.queue).toMatchObject({ ok: false, detail: "failed to start" });
  });
});
