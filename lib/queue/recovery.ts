// Recovery SQL: SyncJobs that lost their queue job are sent again (or failed once out of attempts).
import "server-only";
import { prisma } from "@/lib/db/client";
import { failRunningSyncJob } from "@/lib/ingest/sync-job";
import { state } from "./lifecycle";
import { sendIngestion } from "./dispatch";
import { QUEUES } from "./settings";

/**
 * SyncJobs PENDING or IN_PROGRESS with no live queue job (the process died between committing the job and
 * sending it, or the last retry of a killed worker expired): sent again, or FAILED once they have used every
 * attempt. Returns how many were re-sent or failed. A duplicate send is harmless (the run re-checks status
 * under the graph lock), so no grace period is needed.
 */
export async function recoverStaleSyncJobs(opts: { organizationId?: string } = {}): Promise<number> {
  const { resent, failed } = await recoverStaleSyncJobsReport(opts);
  return resent + failed;
}

/** The same, saying how many were re-sent and how many failed (the recovery card's sentence). */
export async function recoverStaleSyncJobsReport(opts: { organizationId?: string } = {}): Promise<{ resent: number; failed: number }> {
  let resent = 0;
  let failed = 0;
  const s = state();
  await s.boss; // its tables exist: the query below reads them
  const schema = s.settings.schema.replace(/"/g, '""');
  const maxAttempts = s.settings.ingestion.retryLimit + 1;
  const orphans = await prisma.$queryRawUnsafe<Array<{ id: string; attempts: number }>>(
    `SELECT j.id, j.attempts FROM "SyncJob" j
     ${opts.organizationId ? `JOIN "Connection" c ON c.id = j."connectionId" AND c."organizationId" = $2` : ""}
     WHERE j.status IN ('PENDING', 'IN_PROGRESS')
       -- Only jobs ingestion can resume (see isResumable): a job without a cursor or modifiedAfter was not
       -- made by a sync webhook (imported or demo data) and has no records of its own to read.
       AND (j.cursor IS NOT NULL OR j."modifiedAfter" IS NOT NULL)
       AND NOT EXISTS (
         SELECT 1 FROM "${schema}".job q
         WHERE q.name = $1 AND q.state < 'completed' AND q.data->>'syncJobId' = j.id)`,
    QUEUES.ingestion,
    ...(opts.organizationId ? [opts.organizationId] : []),
  );
  for (const o of orphans) {
    if (o.attempts >= maxAttempts) {
      const entry = { message: "The worker running this job stopped responding on its last attempt", code: "WORKER_LOST", timestamp: new Date().toISOString() };
      await failRunningSyncJob(o.id, [entry]);
      failed++;
    } else {
      // Not a continuation: the run counts as an attempt, so a job that keeps killing its worker ends FAILED.
      await sendIngestion(o.id, { retryLimit: Math.max(0, maxAttempts - 1 - o.attempts) });
      resent++;
    }
  }
  return { resent, failed };
}
