// Health of this process for load balancers and orchestrators. Liveness is "the process answers" (no
// dependency checked: a database outage must not get every web process restarted); readiness is "this
// process can serve": the database answers within a short timeout, every migration on disk is applied, and
// the ingestion queue is up when this process is meant to run it. Reports carry no URLs, hosts or errors'
// connection strings: the endpoint is public.
import { readdir } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { getEnv, type Env } from "@/lib/env";
import { errorFields, log } from "@/lib/log";
import { holder } from "@/lib/queue/lifecycle";

export type Check = { ok: boolean; detail?: string; ms?: number };
export type Readiness = { status: "ready" | "not ready"; checks: { database: Check; migrations: Check; queue: Check } };

const DB_TIMEOUT_MS = 2_000;
const MIGRATIONS_DIR = path.join(process.cwd(), "prisma", "migrations");

type Options = {
  env?: Env;
  /** Where the migration folders are (tests point elsewhere). */
  migrationsDir?: string;
  timeoutMs?: number;
};

export function liveness() {
  return { status: "ok" as const, uptimeSeconds: Math.round(process.uptime()) };
}

/** Migration folder names on disk: what `prisma migrate deploy` would apply. */
async function expectedMigrations(dir: string): Promise<string[] | null> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return null; // not shipped with this build: only the history table can be checked
  }
}

async function checkDatabase(env: Env, dir: string, timeoutMs: number): Promise<{ database: Check; migrations: Check }> {
  // A client of its own, not the app's pool: a pool with no free connection (or a dead server) would make
  // the probe wait as long as the slowest request instead of the timeout.
  const client = new pg.Client({
    connectionString: env.DATABASE_URL,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
    application_name: "atlas-health",
  });
  client.on("error", () => {}); // a server going away mid-probe must not crash the process
  const started = Date.now();
  try {
    await client.connect();
    await client.query("SELECT 1");
    const database: Check = { ok: true, ms: Date.now() - started };
    const table = await client.query<{ exists: boolean }>("SELECT to_regclass('public._prisma_migrations') IS NOT NULL AS exists");
    if (!table.rows[0]?.exists) return { database, migrations: { ok: false, detail: "no migration has been applied" } };
    const { rows } = await client.query<{ migration_name: string; finished_at: Date | null; rolled_back_at: Date | null }>(
      "SELECT migration_name, finished_at, rolled_back_at FROM _prisma_migrations",
    );
    const failed = rows.filter((r) => !r.finished_at && !r.rolled_back_at).map((r) => r.migration_name);
    if (failed.length) return { database, migrations: { ok: false, detail: `failed: ${failed.join(", ")}` } };
    const applied = new Set(rows.filter((r) => r.finished_at).map((r) => r.migration_name));
    const expected = await expectedMigrations(dir);
    const pending = expected?.filter((name) => !applied.has(name)) ?? [];
    if (pending.length) return { database, migrations: { ok: false, detail: `pending: ${pending.sort().join(", ")}` } };
    return { database, migrations: { ok: true, detail: `${applied.size} applied` } };
  } catch (err) {
    log.warn({ ...errorFields(err) }, "health: the database did not answer");
    const timedOut = Date.now() - started >= timeoutMs;
    return {
      database: { ok: false, detail: timedOut ? `no answer within ${timeoutMs} ms` : "unreachable", ms: Date.now() - started },
      migrations: { ok: false, detail: "unknown (database unreachable)" },
    };
  } finally {
    await client.end().catch(() => {});
  }
}

const PENDING = Symbol("pending");

/** Whether this process's queue is up, as far as ATLAS_WORKERS asks it to run one. */
async function checkQueue(env: Env): Promise<Check> {
  if (env.ATLAS_WORKERS === "off") return { ok: true, detail: "off" };
  const s = holder.atlasQueue;
  if (!s) return { ok: false, detail: "not started" };
  // Settled promises win a race in array order: this reads their state without waiting.
  const target = env.ATLAS_WORKERS === "in-process" ? s.workers : s.boss;
  if (!target) return { ok: false, detail: "workers not started" };
  try {
    if ((await Promise.race([target, Promise.resolve(PENDING)])) === PENDING) return { ok: false, detail: "starting" };
  } catch {
    return { ok: false, detail: "failed to start" };
  }
  return { ok: true, detail: env.ATLAS_WORKERS === "in-process" ? "workers in this process" : "enqueue only" };
}

export async function readiness(options: Options = {}): Promise<Readiness> {
  const env = options.env ?? getEnv();
  const [db, queue] = await Promise.all([
    checkDatabase(env, options.migrationsDir ?? MIGRATIONS_DIR, options.timeoutMs ?? DB_TIMEOUT_MS),
    checkQueue(env),
  ]);
  const checks = { ...db, queue };
  const ok = Object.values(checks).every((c) => c.ok);
  return { status: ok ? "ready" : "not ready", checks };
}
