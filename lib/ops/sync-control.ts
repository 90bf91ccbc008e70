// Stopping a sync job by hand. A cancelled job ends FAILED with an error entry of code CANCELLED; a worker
// running it notices at its next progress save (every few records) and stops at that record boundary
// (lib/ingest/sync-job.ts saves progress only while the job is running). Retry stays retrySyncJob's.
import { resolveProblem } from "@/lib/alerts/problems";
import { recordAudit } from "@/lib/audit/record";
import { prisma } from "@/lib/db/client";
import { syncJobsVisibleTo, type Scope } from "@/lib/data/scope";
import { ConflictError, NotFoundError } from "@/lib/errors";
import { failRunningSyncJob } from "@/lib/ingest/sync-job";

export const CANCELLED = "CANCELLED";

export async function cancelSyncJob(scope: Scope, syncJobId: string, reason?: string): Promise<void> {
  const job = await prisma.syncJob.findFirst({
    where: { id: syncJobId, ...syncJobsVisibleTo(scope) },
    select: { id: true, syncId: true, status: true, recordsProcessed: true, connection: { select: { organizationId: true } } },
  });
  if (!job) throw new NotFoundError("This sync job no longer exists, or it is not yours.");
  if (job.status !== "PENDING" && job.status !== "IN_PROGRESS") throw new ConflictError(`Only running sync jobs can be cancelled; this one is ${job.status}.`);
  await prisma.$transaction(async (tx) => {
    const entry = { message: reason ?? "Cancelled by an administrator", code: CANCELLED, timestamp: new Date().toISOString() };
    const count = await failRunningSyncJob(job.id, [entry], tx);
    if (count === 0) throw new ConflictError("The sync job finished meanwhile; reload the page.");
    await recordAudit(tx, {
      organizationId: job.connection.organizationId,
      action: "sync.cancelled",
      target: { type: "syncJob", id: job.id, label: job.syncId },
      before: { status: job.status, recordsProcessed: job.recordsProcessed },
      after: { status: "FAILED", code: CANCELLED },
    });
  });
  // Its stalled-sync alert (if any) is over now; the periodic scan would also see it.
  await resolveProblem(job.connection.organizationId, "STALLED_SYNC", job.id, "cancelled");
}
