// The hand-off from "Nango says a sync finished" to "Atlas reads the records and feeds the graph".
//
// The webhook handler only calls enqueueIngestion(jobId) after committing a PENDING job. The job queue
// (lib/queue) registers itself with setIngestionQueue at start-up; a worker then pages through listRecords,
// writes to Zep, and owns the SyncJob's final status (COMPLETED / FAILED), see lib/ingest/sync-job.ts.
// Until a queue is registered (no worker in this deployment), the job is marked COMPLETED at once with
// recordsProcessed = Nango's own count, so dashboards do not show PENDING forever.
import "server-only";
import { prisma } from "@/lib/db/client";
import { log } from "@/lib/log";

type IngestionQueue = (jobId: string) => Promise<void>;

// On globalThis: Next's dev server re-evaluates this module on changes, and a re-evaluated module must not
// forget the queue registered by instrumentation (webhooks would silently fall back to "COMPLETED").
const holder = globalThis as unknown as { atlasIngestionQueue?: IngestionQueue | null };

/** Called by lib/queue at start-up (a pg-boss `send`); null unregisters it. */
export function setIngestionQueue(next: IngestionQueue | null): void {
  holder.atlasIngestionQueue = next;
}

/**
 * The queue of a process whose queue is not working yet (starting, failed to start) or any more (stopping):
 * webhooks' jobs stay PENDING and the recovery task sends them once a queue works. Never "completed" unread.
 */
export async function leavePending(jobId: string): Promise<void> {
  log.warn({ syncJobId: jobId }, "queue not running here: the sync job stays PENDING until recovery sends it");
}

/** Whether a queue is registered (enqueued jobs will be worked on by some worker). */
export function hasIngestionQueue(): boolean {
  return !!holder.atlasIngestionQueue;
}

export async function enqueueIngestion(jobId: string): Promise<void> {
  const queue = holder.atlasIngestionQueue;
  if (queue) return queue(jobId);
  // No worker: nothing will ingest the records, so the job is as done as it will get. Nango's count stands
  // in for the records processed, as before ingestion existed.
  await prisma.$executeRaw`
    UPDATE "SyncJob"
    SET status = 'COMPLETED', "completedAt" = now(), "recordsProcessed" = COALESCE("recordsReported", "recordsProcessed")
    WHERE id = ${jobId} AND status = 'PENDING'`;
}
