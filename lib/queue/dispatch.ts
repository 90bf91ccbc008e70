// Sending jobs: options are per job, so changed settings apply at once.
import "server-only";
import { state } from "./lifecycle";
import { QUEUES, type IngestionJobData } from "./settings";

/** Puts a SyncJob on the ingestion queue. Options are per job, so changed settings apply at once. */
export async function sendIngestion(
  syncJobId: string,
  opts: { continuation?: boolean; startAfterSeconds?: number; retryLimit?: number } = {},
): Promise<string | null> {
  const s = state();
  const boss = await s.boss;
  const i = s.settings.ingestion;
  const data: IngestionJobData = { syncJobId, ...(opts.continuation ? { continuation: true } : {}) };
  return boss.send(QUEUES.ingestion, data, {
    retryLimit: opts.retryLimit ?? i.retryLimit,
    retryDelay: i.retryDelaySeconds,
    retryBackoff: i.retryBackoff,
    expireInSeconds: i.expireInSeconds,
    ...(opts.startAfterSeconds ? { startAfter: opts.startAfterSeconds } : {}),
  });
}
