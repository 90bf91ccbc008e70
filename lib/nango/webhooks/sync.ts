// Sync webhooks: a run finished (one PENDING SyncJob for ingestion) or failed (one FAILED SyncJob).
import "server-only";
import { createHash } from "node:crypto";
import { mergeConnectionMetadata, readConnectionMetadata } from "@/lib/data/connection-metadata";
import type { TimedErrorEntry } from "@/lib/data/error-entry";
import { providerForIntegration } from "../providers";
import { statusChanged } from "./auth";
import { MAX_COUNT, type Applied, type SyncWebhook, type Tx } from "./schemas";

type RunIdentity = { connectionId: string; syncName: string; syncVariant?: string; model: string };

/**
 * The SyncJob.syncId of a sync run: the same webhook (or a redelivery) always yields the same id, so the
 * same row. Keeps the seed's `sync_{timestamp}` shape, with a hash of what identifies the run.
 */
export function syncIdFor(w: RunIdentity, runTimestamp: string): string {
  const identity = [w.connectionId, w.syncName, w.syncVariant ?? "base", w.model, runTimestamp].join("\n");
  return `sync_${Date.parse(runTimestamp)}_${createHash("sha256").update(identity).digest("hex").slice(0, 16)}`;
}

/**
 * The syncId of a failure. Its startedAt is the previous successful run's start (two failures in a row share
 * it, and it equals that success's modifiedAfter), so a failure is identified by when it failed.
 */
export function failureSyncIdFor(w: RunIdentity, failedAt: string): string {
  return syncIdFor({ ...w, syncName: `${w.syncName}\nfailed` }, failedAt);
}

export async function applySync(tx: Tx, w: SyncWebhook): Promise<Applied> {
  const connection = await tx.connection.findUnique({ where: { connectionId: w.connectionId } });
  if (!connection) return { outcome: "IGNORED", reason: "unknown connection" };
  // The integration the connection was made with counts, even after NANGO_INTEGRATION_* changed since.
  const metadata = readConnectionMetadata(connection.metadata);
  if (metadata.integrationId !== w.providerConfigKey && providerForIntegration(w.providerConfigKey) !== connection.provider) {
    return { outcome: "IGNORED", reason: `integration ${w.providerConfigKey} does not match the connection's provider` };
  }
  const lastErrorAt = Date.parse(metadata.lastError?.timestamp ?? "") || 0;
  // A webhook answers a pending "Sync now" (the page stops saying it waits for Nango).
  const answered = metadata.syncRequestedAt !== undefined;

  if (w.success) {
    const runAt = new Date(w.modifiedAfter ?? w.queryTimeStamp);
    const syncId = syncIdFor(w, w.modifiedAfter);
    const job = await tx.syncJob.upsert({
      where: { syncId },
      create: {
        syncId,
        connectionId: connection.id,
        status: "PENDING",
        // Nango's count; recordsProcessed counts records written to the graph by the ingestion worker.
        recordsReported: Math.min(MAX_COUNT, w.responseResults.added + w.responseResults.updated + w.responseResults.deleted),
        recordsProcessed: 0,
        model: w.model,
        modifiedAfter: new Date(w.modifiedAfter),
        startedAt: runAt,
      },
      update: {}, // a redelivery changes nothing; the ingestion worker owns the status from here on
      select: { id: true },
    });
    // lastSyncAt only moves forward: an older run delivered late must not move it back.
    await tx.connection.updateMany({
      where: { id: connection.id, OR: [{ lastSyncAt: null }, { lastSyncAt: { lt: runAt } }] },
      data: { lastSyncAt: runAt },
    });
    // A run newer than the last sync error heals the connection (not an expired or disabled one).
    const heals = connection.status === "ERROR" && runAt.getTime() > lastErrorAt;
    if (heals || answered) {
      const metadataAfter = mergeConnectionMetadata(connection.metadata, { syncRequestedAt: undefined, ...(heals ? { lastError: undefined } : {}) });
      await tx.connection.update({ where: { id: connection.id }, data: heals ? { status: "ACTIVE", metadata: metadataAfter } : { metadata: metadataAfter } });
      if (heals) await statusChanged(tx, connection, "ACTIVE");
    }
    return { outcome: "APPLIED", ingestJobId: job.id, organizationId: connection.organizationId };
  }

  const failedAt = new Date(w.failedAt);
  const error: TimedErrorEntry = { message: w.error.description, code: w.error.type, timestamp: failedAt.toISOString() };
  const syncId = failureSyncIdFor(w, w.failedAt);
  await tx.syncJob.upsert({
    where: { syncId },
    // The failed run's own start is not in the webhook; failedAt is the one time known of it.
    create: { syncId, connectionId: connection.id, status: "FAILED", model: w.model, errors: [{ message: error.message, code: error.code, timestamp: error.timestamp }], startedAt: failedAt, completedAt: failedAt },
    update: {},
  });
  // A failure older than the latest successful run is history, not the connection's current state;
  // an EXPIRED or INACTIVE connection keeps that more important status.
  const isCurrent = !connection.lastSyncAt || failedAt.getTime() > connection.lastSyncAt.getTime();
  if (isCurrent && (connection.status === "ACTIVE" || connection.status === "ERROR") && failedAt.getTime() >= lastErrorAt) {
    await tx.connection.update({ where: { id: connection.id }, data: { status: "ERROR", metadata: mergeConnectionMetadata(connection.metadata, { syncRequestedAt: undefined, lastError: error }) } });
    if (connection.status !== "ERROR") await statusChanged(tx, connection, "ERROR", error.code);
  } else if (answered) {
    await tx.connection.update({ where: { id: connection.id }, data: { metadata: mergeConnectionMetadata(connection.metadata, { syncRequestedAt: undefined }) } });
  }
  return { outcome: "APPLIED", organizationId: connection.organizationId };
}
