// Health for load balancers, orchestrators and whoever runs Atlas. Liveness is "the process answers" (no
// dependency checked: a database outage must not get every web process restarted). Readiness reports each
// dependency as ok, degraded or down, and fails (503) only for what makes the app unusable: the database not
// answering within a short timeout, or a migration on disk not applied (the code would query columns that
// are not there). The queue (this process's pg-boss, the backlog and its oldest waiting job) and Nango and Zep
// (when each last answered or failed, as every process records it: lib/service-calls.ts) are reported, and a
// problem there makes the report "degraded" with a 200: pages still load, connections and knowledge wait.
// Reports carry no URLs, hosts, keys or error texts: the endpoint is public.
import { readdir } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { getEnv, type Env } from "@/lib/env";
import { errorFields, log } from "@/lib/log";
import { holder } from "@/lib/queue/lifecycle";

export type Status = "ok" | "degraded" | "down";
export type Check = { status: Status; detail?: string; ms?: number };
export type QueueBacklog = { waiting: number; active: number; oldestWaitingSeconds: number | null };
export type QueueCheck = Check & { backlog?: Record<string, QueueBacklog> };
export type ServiceCheck = Check & { lastSuccessAt: string | null; lastFailureAt: string | null; lastFailure: string | null };
export type Readiness = {
  status: "ready" | "degraded" | "not ready";
  checkedAt: string;
  checks: { database: Check; migrations: Check; queue: QueueCheck; nango: ServiceCheck; zep: ServiceCheck };
};

const DB_TIMEOUT_MS = 2_000;
const MIGRATIONS_DIR = path.join(process.cwd(), "prisma", "migrations");
/** A service that has not answered for this long is reported degraded (and down if it failed meanwhile). */
export const RECENT_MS = 15 * 60_000;
/** A due job waiting longer than this means no worker is taking jobs (or too few). */
export const QUEUE_WAIT_LIMIT_SECONDS = 10 * 60;

type Options = {
  env?: Env;
  /** Where the migration folders are (tests point elsewhere). */
  migrationsDir?: string;
  timeoutMs?: number;
  now?: Date;
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

type ServiceRow = { service: string; lastSuccessAt: Date | null; lastFailureAt: Date | null; lastFailure: string | null };
type DatabaseFindings = { database: Check; migrations: Check; backlog?: Record<string, QueueBacklog> | null; services?: ServiceRow[] | null };

const exists = async (client: pg.Client, relation: string) =>
  (await client.query<{ exists: boolean }>("SELECT to_regclass($1) IS NOT NULL AS exists", [relation])).rows[0]?.exists ?? false;

async function migrationsCheck(client: pg.Client, dir: string): Promise<Check> {
  if (!(await exists(client, "public._prisma_migrations"))) return { status: "down", detail: "no migration has been applied" };
  const { rows } = await client.query<{ migration_name: string; finished_at: Date | null; rolled_back_at: Date | null }>(
    "SELECT migration_name, finished_at, rolled_back_at FROM _prisma_migrations",
  );
  const failed = rows.filter((r) => !r.finished_at && !r.rolled_back_at).map((r) => r.migration_name);
  if (failed.length) return { status: "down", detail: `failed: ${failed.join(", ")}` };
  const applied = new Set(rows.filter((r) => r.finished_at).map((r) => r.migration_name));
  const pending = (await expectedMigrations(dir))?.filter((name) => !applied.has(name)) ?? [];
  if (pending.length) return { status: "down", detail: `pending: ${pending.sort().join(", ")}` };
  return { status: "ok", detail: `${applied.size} applied` };
}

/** pg-boss's jobs per queue: due and waiting, running, and how long the oldest due one has waited. */
async function queueBacklog(client: pg.Client, schema: string): Promise<Record<string, QueueBacklog> | null> {
  if (!(await exists(client, `"${schema}".job`))) return null;
  // The schema name is checked by lib/env.ts (lower-case letters, digits, _), so it can be quoted in.
  const { rows } = await client.query<{ name: string; waiting: number; active: number; oldest: number | null }>(`
    SELECT name,
      count(*) FILTER (WHERE state IN ('created', 'retry') AND start_after <= now())::int AS waiting,
      count(*) FILTER (WHERE state = 'active')::int AS active,
      extract(epoch FROM now() - min(start_after) FILTER (WHERE state IN ('created', 'retry') AND start_after <= now()))::float AS oldest
    FROM "${schema}".job
    WHERE state IN ('created', 'retry', 'active')
    GROUP BY name`);
  return Object.fromEntries(rows.map((r) => [r.name, { waiting: r.waiting, active: r.active, oldestWaitingSeconds: r.oldest === null ? null : Math.round(r.oldest) }]));
}

async function checkDatabase(env: Env, dir: string, timeoutMs: number): Promise<DatabaseFindings> {
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
  } catch (err) {
    log.warn({ ...errorFields(err) }, "health: the database did not answer");
    await client.end().catch(() => {});
    const timedOut = Date.now() - started >= timeoutMs;
    return {
      database: { status: "down", detail: timedOut ? `no answer within ${timeoutMs} ms` : "unreachable", ms: Date.now() - started },
      migrations: { status: "down", detail: "unknown (database unreachable)" },
    };
  }
  const database: Check = { status: "ok", ms: Date.now() - started };
  try {
    // One after the other (one connection runs one query at a time); each part on its own: a missing table
    // (a pending migration) leaves the others' answers.
    const migrations = await migrationsCheck(client, dir);
    const backlog = await queueBacklog(client, env.ATLAS_QUEUE_SCHEMA).catch((err) => (log.warn(errorFields(err), "health: queue backlog unreadable"), undefined));
    const services = await exists(client, "public.\"ServiceCall\"")
      .then((ok) => (ok ? client.query<ServiceRow>(`SELECT service, "lastSuccessAt", "lastFailureAt", "lastFailure" FROM "ServiceCall"`).then((r) => r.rows) : null))
      .catch((err) => (log.warn(errorFields(err), "health: service calls unreadable"), null));
    return { database, migrations, backlog, services };
  } catch (err) {
    log.warn({ ...errorFields(err) }, "health: the migration history could not be read");
    return { database, migrations: { status: "down", detail: "migration history unreadable" } };
  } finally {
    await client.end().catch(() => {});
  }
}

const PENDING = Symbol("pending");

/** This process's part of the queue (as ATLAS_WORKERS asks), then the backlog every worker shares. */
async function checkQueue(env: Env, backlog: Record<string, QueueBacklog> | null | undefined): Promise<QueueCheck> {
  if (env.ATLAS_WORKERS === "off") return { status: "ok", detail: "off" };
  const local = await localQueue(env);
  if (local.status !== "ok") return { ...local, ...(backlog ? { backlog } : {}) };
  if (backlog === undefined) return { ...local, detail: `${local.detail}; backlog unknown` };
  // No job table: pg-boss has not run against this database yet (nothing can be waiting in it).
  if (backlog === null) return { ...local, detail: `${local.detail}; no job table yet` };
  const oldest = Math.max(0, ...Object.values(backlog).map((b) => b.oldestWaitingSeconds ?? 0));
  if (oldest > QUEUE_WAIT_LIMIT_SECONDS) {
    return { status: "degraded", detail: `a job has waited ${Math.round(oldest / 60)} min for a worker`, backlog };
  }
  return { ...local, backlog };
}

async function localQueue(env: Env): Promise<Check> {
  const s = holder.atlasQueue;
  if (!s) return { status: "degraded", detail: "not started" };
  // Settled promises win a race in array order: this reads their state without waiting.
  const target = env.ATLAS_WORKERS === "in-process" ? s.workers : s.boss;
  if (!target) return { status: "degraded", detail: "workers not started" };
  try {
    if ((await Promise.race([target, Promise.resolve(PENDING)])) === PENDING) return { status: "degraded", detail: "starting" };
  } catch {
    return { status: "degraded", detail: "failed to start" };
  }
  return { status: "ok", detail: env.ATLAS_WORKERS === "in-process" ? "workers in this process" : "enqueue only" };
}

const minutes = (ms: number) => `${Math.max(1, Math.round(ms / 60_000))} min`;

/** Nango or Zep from the calls every process recorded: answering lately, failing, or not heard from. */
export function serviceCheck(row: ServiceRow | undefined, configured: boolean, now: Date): ServiceCheck {
  const times = {
    lastSuccessAt: row?.lastSuccessAt?.toISOString() ?? null,
    lastFailureAt: row?.lastFailureAt?.toISOString() ?? null,
    lastFailure: row?.lastFailure ?? null,
  };
  if (!configured) return { status: "down", detail: "not configured", ...times };
  if (!row) return { status: "degraded", detail: "no call recorded yet", ...times };
  const success = row.lastSuccessAt?.getTime() ?? null;
  const failure = row.lastFailureAt?.getTime() ?? null;
  const recent = (t: number | null) => t !== null && now.getTime() - t <= RECENT_MS;
  if (failure !== null && (success === null || failure > success)) {
    // Failing now: down once it has not answered for a while, degraded while it answered lately.
    return recent(success)
      ? { status: "degraded", detail: `the last call failed (${row.lastFailure ?? "error"}); it answered ${minutes(now.getTime() - success!)} ago`, ...times }
      : { status: "down", detail: `failing (${row.lastFailure ?? "error"}); no answer in the last ${minutes(RECENT_MS)}`, ...times };
  }
  if (!recent(success)) return { status: "degraded", detail: `no call in the last ${minutes(RECENT_MS)}`, ...times };
  return { status: "ok", ...times };
}

export async function readiness(options: Options = {}): Promise<Readiness> {
  const env = options.env ?? getEnv();
  const now = options.now ?? new Date();
  const db = await checkDatabase(env, options.migrationsDir ?? MIGRATIONS_DIR, options.timeoutMs ?? DB_TIMEOUT_MS);
  const rows = new Map((db.services ?? []).map((r) => [r.service, r]));
  const service = (name: string, configured: boolean): ServiceCheck =>
    db.services || !configured
      ? serviceCheck(rows.get(name), configured, now)
      : { status: "degraded", detail: "unknown (the database could not say)", lastSuccessAt: null, lastFailureAt: null, lastFailure: null };
  const checks: Readiness["checks"] = {
    database: db.database,
    migrations: db.migrations,
    queue: await checkQueue(env, db.backlog),
    nango: service("nango", Boolean(env.NANGO_SECRET_KEY)),
    zep: service("zep", Boolean(env.ZEP_API_KEY)),
  };
  const unusable = checks.database.status !== "ok" || checks.migrations.status !== "ok";
  const degraded = Object.values(checks).some((c) => c.status !== "ok");
  return { status: unusable ? "not ready" : degraded ? "degraded" : "ready", checkedAt: now.toISOString(), checks };
}
