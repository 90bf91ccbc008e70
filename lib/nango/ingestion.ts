// The hand-off from "Nango says a sync finished" to "Atlas reads the records and feeds the graph".
//
// The ingestion worker is a later piece: it will page through listRecords from the job's cursor, write to
// Zep, and then own the SyncJob's final status (COMPLETED / FAILED). The webhook handler only calls
// enqueueIngestion(jobId) after committing a PENDING job. Until a worker registers a queue with
// setIngestionQueue, the job is marked COMPLETED at once, so dashboards do not show PENDING forever.
import { prisma } from "@/lib/db/client";

type IngestionQueue = (jobId: string) => Promise<void>;

let queue: IngestionQueue | null = null;

/** Called once by the ingestion worker at start-up (e.g. with a pg-boss `send`); null unregisters it. */
export function setIngestionQueue(next: IngestionQueue | null): void {
  queue = next;
}

export async function enqueueIngestion(jobId: string): Promise<void> {
  if (queue) return queue(jobId);
  // No worker yet: nothing will ingest the records, so the job is as done as it will get.
  await prisma.syncJob.updateMany({ where: { id: jobId, status: "PENDING" }, data: { status: "COMPLETED", completedAt: new Date() } });
}
