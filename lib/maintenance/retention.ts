// The seed's "Data Retention": sync jobs are kept 90 days for debugging, expired sessions are cleaned up by a
// scheduled job. Each run of a task leaves a MaintenanceRun row (shown to admins by lastMaintenanceRuns).
// Scheduling lives in lib/queue (pg-boss cron, daily); these functions are plain and callable directly.
import "server-only";
import { Prisma, prisma } from "@/lib/db/client";
import { getEnv } from "@/lib/env";

export const MAINTENANCE_TASKS = {
  purgeSyncJobs: "purge-sync-jobs",
  purgeSessions: "purge-expired-sessions",
  recoverSyncJobs: "recover-sync-jobs",
  purgeWebhookLog: "purge-webhook-log",
} as const;
export type MaintenanceTask = (typeof MAINTENANCE_TASKS)[keyof typeof MAINTENANCE_TASKS];

const ISO_TIMESTAMP = String.raw`^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)$`;

/** Rows per DELETE statement, so a first purge of a large table never holds one huge transaction. */
const BATCH = 5_000;

/** Runs a `DELETE ... LIMIT BATCH` until it removes fewer than BATCH rows: short transactions, no long locks. */
async function deleteInBatches(deleteBatch: () => Promise<number>): Promise<number> {
  let removed = 0;
  for (;;) {
    const n = await deleteBatch();
    removed += n;
    if (n < BATCH) return removed;
  }
}

export type RetentionOptions = {
  /** Reference time (tests); default now. */
  now?: Date;
  /** Only this organization's rows (per-tenant runs and tests); default every organization. */
  organizationId?: string;
};

export type MaintenanceResult = { task: string; runId: string; rowsRemoved: number; error: string | null };

/** Runs `work` as one MaintenanceRun: started, then finished with its count or its error (rethrown). */
export async function recordMaintenanceRun(task: string, work: () => Promise<number | { rows: number; summary: string }>): Promise<MaintenanceResult> {
  const run = await prisma.maintenanceRun.create({ data: { task }, select: { id: true } });
  try {
    const done = await work();
    // A task may say in words what it did (the admin's card shows it); a count alone is "N removed".
    const [rowsRemoved, summary] = typeof done === "number" ? [done, null] : [done.rows, done.summary];
    await prisma.maintenanceRun.update({ where: { id: run.id }, data: { finishedAt: new Date(), rowsRemoved, summary } });
    return { task, runId: run.id, rowsRemoved, error: null };
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    await prisma.maintenanceRun.update({ where: { id: run.id }, data: { finishedAt: new Date(), error: error.slice(0, 2_000) } }).catch(() => {});
    throw Object.assign(err instanceof Error ? err : new Error(error), { maintenanceRunId: run.id });
  }
}

/** Whole days ≥ 1 (lib/env.ts). */
export const syncJobRetentionDays = () => getEnv().ATLAS_SYNC_JOB_RETENTION_DAYS;

/**
 * Deletes sync jobs that started before the cutoff, except each connection's latest job (the dashboard's
 * "last sync" must survive a quiet connection) and jobs still PENDING or IN_PROGRESS (a worker owns them).
 */
export async function purgeOldSyncJobs(opts: RetentionOptions & { olderThanDays?: number } = {}): Promise<MaintenanceResult> {
  const days = opts.olderThanDays ?? syncJobRetentionDays();
  if (!Number.isFinite(days) || days < 0) throw new RangeError("olderThanDays must be ≥ 0");
  const cutoff = new Date((opts.now ?? new Date()).getTime() - days * 86_400_000);
  const inOrg = opts.organizationId
    ? Prisma.sql`AND j."connectionId" IN (SELECT c.id FROM "Connection" c WHERE c."organizationId" = ${opts.organizationId})`
    : Prisma.empty;
  return recordMaintenanceRun(MAINTENANCE_TASKS.purgeSyncJobs, () =>
    deleteInBatches(() =>
      prisma.$executeRaw`
        DELETE FROM "SyncJob" WHERE id IN (
          SELECT j.id FROM "SyncJob" j
          WHERE j."startedAt" < ${cutoff} AND j.status IN ('COMPLETED', 'FAILED') ${inOrg}
            AND EXISTS (
              SELECT 1 FROM "SyncJob" newer
              WHERE newer."connectionId" = j."connectionId"
                AND (newer."startedAt" > j."startedAt" OR (newer."startedAt" = j."startedAt" AND newer.id > j.id)))
          LIMIT ${BATCH})`,
    ),
  );
}

/**
 * Deletes Nango connect sessions whose metadata.tokenExpiry (ISO 8601, as lib/nango/connections.ts writes
 * it) is in the past. Sessions without a readable expiry are kept: nothing says they are expired.
 */
export async function purgeExpiredSessions(opts: RetentionOptions = {}): Promise<MaintenanceResult> {
  const now = opts.now ?? new Date();
  const inOrg = opts.organizationId
    ? Prisma.sql`AND s."userId" IN (SELECT u.id FROM "User" u WHERE u."organizationId" = ${opts.organizationId})`
    : Prisma.empty;
  return recordMaintenanceRun(MAINTENANCE_TASKS.purgeSessions, async () => {
    let removed = 0;
    for (;;) {
      // The CASE keeps malformed values away from the timestamp cast (which would fail the whole statement).
      const n = await prisma.$executeRaw`
        DELETE FROM "Session" WHERE id IN (
          SELECT s.id FROM "Session" s
          WHERE CASE
              WHEN jsonb_typeof(s.metadata->'tokenExpiry') = 'string'
               AND (s.metadata->>'tokenExpiry') ~ ${ISO_TIMESTAMP}
              THEN (s.metadata->>'tokenExpiry')::timestamptz < ${now}
              ELSE false
            END ${inOrg}
          LIMIT ${BATCH})`;
      removed += n;
      if (n < BATCH) return removed;
    }
  });
}

export const webhookLogRetentionDays = () => getEnv().ATLAS_WEBHOOK_LOG_RETENTION_DAYS;

/**
 * The webhook log (WebhookDelivery) older than ATLAS_WEBHOOK_LOG_RETENTION_DAYS (30). It is a log, and
 * anyone can post to the route: unbounded it would only grow. Forgetting an old delivery is harmless: a
 * redelivery of it would upsert the same SyncJob (by syncId) again.
 */
export async function purgeWebhookLog(opts: RetentionOptions & { olderThanDays?: number } = {}): Promise<MaintenanceResult> {
  const cutoff = new Date((opts.now ?? new Date()).getTime() - (opts.olderThanDays ?? webhookLogRetentionDays()) * 86_400_000);
  const inOrg = opts.organizationId ? Prisma.sql`AND "organizationId" = ${opts.organizationId}` : Prisma.empty;
  return recordMaintenanceRun(MAINTENANCE_TASKS.purgeWebhookLog, () =>
    deleteInBatches(() =>
      prisma.$executeRaw`
        DELETE FROM "WebhookDelivery" WHERE id IN (
          SELECT id FROM "WebhookDelivery" WHERE "receivedAt" < ${cutoff} ${inOrg} LIMIT ${BATCH})`,
    ),
  );
}

export type MaintenanceRunSummary = { task: string; startedAt: Date; finishedAt: Date | null; rowsRemoved: number; error: string | null; summary: string | null };

/** The latest run of each task, for the admin page (tasks never run are absent). */
export async function lastMaintenanceRuns(): Promise<MaintenanceRunSummary[]> {
  return prisma.$queryRaw<MaintenanceRunSummary[]>`
    SELECT DISTINCT ON (task) task, "startedAt", "finishedAt", "rowsRemoved", error, summary
    FROM "MaintenanceRun"
    ORDER BY task, "startedAt" DESC, id DESC`;
}
