// Sync webhooks: a run finished (one PENDING SyncJob for ingestion) or failed (one FAILED SyncJob).
import "server-only";
import { createHash } from "node:crypto";
import { Prisma, type Provider } from "@/lib/db/client";
import { newId } from "@/lib/db/ids";
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

type ConnectionRow = { id: string; organizationId: string; provider: Provider; status: string; metadata: unknown; lastSyncAt: Date | null };

// Raw SQL on purpose: this runs once per sync webhook inside the inbox's transaction, and Prisma's query
// compiler cost more CPU than the statements themselves (profiled: most of the inbox worker's time).
// A UTC instant as the timestamp(3) columns (Prisma's DateTime) hold it.
const at = (d: Date) => Prisma.sql`(${d.toISOString()}::timestamptz AT TIME ZONE 'UTC')`;

export async function applySync(tx: Tx, w: SyncWebhook): Promise<Applied> {
  // FOR UPDATE: the metadata is rewritten whole below (sealed, so not patchable in SQL); a pause or "sync now"
  // committed between this read and that write would be lost. No inbox contention: one delivery per connection
  // is applied at a time.
  const [connection] = await tx.$queryRaw<ConnectionRow[]>`
    SELECT id, "organizationId", provider::text, status::text, metadata, "lastSyncAt" FROM "Connection" WHERE "connectionId" = ${w.connectionId}
    FOR UPDATE`;
  if (!connection) return { outcome: "IGNORED", reason: "unknown connection" };
  // The integration the connection was made with counts, even after NANGO_INTEGRATION_* changed since.
  const metadata = readConnectionMetadata(connection.metadata);
  if (metadata.integrationId !== w.providerConfigKey && providerForIntegration(w.providerConfigKey) !== connection.provider) {
    return { outcome: "IGNORED", reason: `integration ${w.providerConfigKey} does not match the connection's provider` };
  }
  const lastErrorAt = Date.parse(metadata.lastError?.timestamp ?? "") || 0;
  // A webhook answers a pending "Sync now" (the page stops saying it waits for Nango).
  const answered = metadata.syncRequestedAt !== undefined;
  const setMetadata = (patch: Parameters<typeof mergeConnectionMetadata>[1], status?: "ACTIVE" | "ERROR") =>
    tx.$executeRaw`
      UPDATE "Connection" SET metadata = ${JSON.stringify(mergeConnectionMetadata(connection.metadata, patch))}::jsonb,
        ${status ? Prisma.sql`status = ${status}::"ConnectionStatus",` : Prisma.empty} "updatedAt" = now()
      WHERE id = ${connection.id}`;

  if (w.success) {
    const runAt = new Date(w.modifiedAfter ?? w.queryTimeStamp);
    const syncId = syncIdFor(w, w.modifiedAfter);
    // Nango's count; recordsProcessed counts records written to the graph by the ingestion worker.
    const reported = Math.min(MAX_COUNT, w.responseResults.added + w.responseResults.updated + w.responseResults.deleted);
    // A redelivery changes nothing (the existing job's id is returned); the ingestion worker owns the status from here on.
    const [job] = await tx.$queryRaw<{ id: string }[]>`
      WITH inserted AS (
        INSERT INTO "SyncJob" (id, "syncId", "connectionId", status, "recordsReported", "recordsProcessed", model, "modifiedAfter", "startedAt")
        VALUES (${newId()}, ${syncId}, ${connection.id}, 'PENDING', ${reported}, 0, ${w.model}, ${at(new Date(w.modifiedAfter))}, ${at(runAt)})
        ON CONFLICT ("syncId") DO NOTHING RETURNING id)
      SELECT id FROM inserted UNION ALL SELECT id FROM "SyncJob" WHERE "syncId" = ${syncId} LIMIT 1`;
    // lastSyncAt only moves forward: an older run delivered late must not move it back.
    await tx.$executeRaw`
      UPDATE "Connection" SET "lastSyncAt" = ${at(runAt)}, "updatedAt" = now()
      WHERE id = ${connection.id} AND ("lastSyncAt" IS NULL OR "lastSyncAt" < ${at(runAt)})`;
    // A run newer than the last sync error heals the connection (not an expired or disabled one).
    const heals = connection.status === "ERROR" && runAt.getTime() > lastErrorAt;
    if (heals || answered) await setMetadata({ syncRequestedAt: undefined, ...(heals ? { lastError: undefined } : {}) }, heals ? "ACTIVE" : undefined);
    if (heals) await statusChanged(tx, connection, "ACTIVE");
    return { outcome: "APPLIED", ingestJobId: job!.id, organizationId: connection.organizationId };
  }

  const failedAt = new Date(w.failedAt);
  const error: TimedErrorEntry = { message: w.error.description, code: w.error.type, timestamp: failedAt.toISOString() };
  const syncId = failureSyncIdFor(w, w.failedAt);
  // The failed run's own start is not in the webhook; failedAt is the one time known of it.
  await tx.$executeRaw`
    INSERT INTO "SyncJob" (id, "syncId", "connectionId", status, model, errors, "startedAt", "completedAt")
    VALUES (${newId()}, ${syncId}, ${connection.id}, 'FAILED', ${w.model}, ${JSON.stringify([{ message: error.message, code: error.code, timestamp: error.timestamp }])}::jsonb, ${at(failedAt)}, ${at(failedAt)})
    ON CONFLICT ("syncId") DO NOTHING`;
  // A failure older than the latest successful run is history, not the connection's current state;
  // an EXPIRED or INACTIVE connection keeps that more important status.
  const isCurrent = !connection.lastSyncAt || failedAt.getTime() > connection.lastSyncAt.getTime();
  if (isCurrent && (connection.status === "ACTIVE" || connection.status === "ERROR") && failedAt.getTime() >= lastErrorAt) {
    await setMetadata({ syncRequestedAt: undefined, lastError: error }, "ERROR");
    if (connection.status !== "ERROR") await statusChanged(tx, connection, "ERROR", error.code);
  } else if (answered) {
    await setMetadata({ syncRequestedAt: undefined });
  }
  return { outcome: "APPLIED", organizationId: connection.organizationId };
}
