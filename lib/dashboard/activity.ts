// The daily sync activity rollup's upkeep. Database triggers on SyncJob and Connection append a
// SyncActivityDelta row for every counted change (prisma/migrations/20261125200000_sync_activity_deltas)
// instead of updating the SyncActivityDay row itself: concurrent webhook transactions all updated the same
// "today, PENDING" row and waited on each other's lock (219 webhooks/s against 302/s without the rollup).
// Readers (dailyActivity in ./overview.ts) add the deltas not yet folded to the day rows; folding them every
// minute (lib/queue, atlas-activity-fold) keeps that table small.
import "server-only";
import { prisma } from "@/lib/db/client";

type DayKey = { organizationId: string; day: Date; userId: string; provider: string; status: string };

/**
 * Moves every committed delta into its day row, in one statement: the DELETE … RETURNING takes each delta
 * row once even when folds run at the same time (a second fold waits on the rows the first deleted and
 * skips them once it commits), and readers see the deltas and the day rows they became either both before
 * or both after. Day rows the fold left at zero are removed in the same transaction (they hold its locks).
 */
export async function foldSyncActivity(): Promise<{ deltas: number; days: number; emptied: number }> {
  return prisma.$transaction(async (tx) => {
    const [folded] = await tx.$queryRaw<{ deltas: number; days: number; zero: DayKey[] | null }[]>`
      WITH moved AS (
        DELETE FROM "SyncActivityDelta"
        RETURNING "organizationId", day, "userId", provider, status, jobs, records
      ), summed AS (
        SELECT "organizationId", day, "userId", provider, status, sum(jobs)::int AS jobs, sum(records)::bigint AS records, count(*)::int AS n
        FROM moved GROUP BY 1, 2, 3, 4, 5
      ), upserted AS (
        INSERT INTO "SyncActivityDay" AS a ("organizationId", day, "userId", provider, status, jobs, records)
        SELECT "organizationId", day, "userId", provider, status, jobs, records FROM summed
        ON CONFLICT ("organizationId", day, "userId", provider, status)
        DO UPDATE SET jobs = a.jobs + EXCLUDED.jobs, records = a.records + EXCLUDED.records
        RETURNING a."organizationId", a.day, a."userId", a.provider, a.status, a.jobs, a.records
      )
      SELECT (SELECT coalesce(sum(n), 0)::int FROM summed) AS deltas, (SELECT count(*)::int FROM upserted) AS days,
             (SELECT json_agg(json_build_object('organizationId', "organizationId", 'day', day, 'userId', "userId", 'provider', provider, 'status', status))
              FROM upserted WHERE jobs = 0 AND records = 0) AS zero`;
    const zero = folded?.zero ?? [];
    // A row of no job counts for nothing (a day's PENDING row once its jobs ran, a deleted connection's).
    const emptied = zero.length
      ? await tx.$executeRaw`
          DELETE FROM "SyncActivityDay" a
          USING json_to_recordset(${JSON.stringify(zero)}::json) AS z("organizationId" text, day date, "userId" text, provider "Provider", status "SyncStatus")
          WHERE a."organizationId" = z."organizationId" AND a.day = z.day AND a."userId" = z."userId"
            AND a.provider = z.provider AND a.status = z.status AND a.jobs = 0 AND a.records = 0`
      : 0;
    return { deltas: folded?.deltas ?? 0, days: folded?.days ?? 0, emptied };
  // Prisma's 5 s default would roll back, again and again, the fold of a backlog (workers down for a day).
  }, { maxWait: 30_000, timeout: 600_000 });
}
