// The CSV exports of the Connections list and the Sync history: the pages' own filter parsers, scoping and
// keyset reads (lib/dashboard), written out batch by batch. Each export is an audit event (who, which filters).
import "server-only";
import { personActor, recordAudit } from "@/lib/audit/record";
import { prisma } from "@/lib/db/client";
import type { Scope } from "@/lib/data/scope";
import { connectionBatches, parseConnectionFilters, type ConnectionFilters } from "@/lib/dashboard/connections";
import type { SearchParams } from "@/lib/dashboard/params";
import { parseSyncFilters, syncJobBatches, type SyncFilters } from "@/lib/dashboard/sync-history";
import { csvFilename, csvResponse, csvStream, type CsvCell } from "./csv";

/** Who exports: the viewer (lib/auth/viewer), as the audit trail names people. */
export type Exporter = Scope & { name: string | null; email: string };

async function* mapBatches<T>(batches: AsyncIterable<T[]>, row: (item: T) => CsvCell[]) {
  for await (const batch of batches) yield batch.map(row);
}

/** The filters that select rows (the page's cursor only says where a page starts: an export is all of them). */
const selecting = <F extends { cursor?: string }>({ cursor: _cursor, ...rest }: F) => rest;

async function audit(exporter: Exporter, action: "connection.exported" | "sync.exported", filters: Record<string, string | undefined>) {
  const set = Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined)) as Record<string, string>;
  await recordAudit(prisma, {
    organizationId: exporter.organizationId,
    action,
    actor: personActor(exporter),
    target: { type: action === "connection.exported" ? "connection" : "syncJob", label: "CSV export" },
    details: { filters: set },
  });
}

export const CONNECTION_COLUMNS = ["Connection ID", "Provider", "Account", "Owner email", "Project", "Status", "Paused", "Created", "Last sync", "Last sync status", "Error code"];

/** The Connections list as the page shows it for these search params, every page of it. */
export async function connectionsCsv(exporter: Exporter, params: SearchParams, now = new Date()): Promise<Response> {
  const filters: ConnectionFilters = parseConnectionFilters(params);
  const { sort: _sort, ...named } = selecting(filters);
  await audit(exporter, "connection.exported", selecting(filters));
  const rows = mapBatches(connectionBatches(exporter, filters), (c) => [
    c.id,
    c.provider,
    c.accountName,
    c.user.email,
    c.project,
    c.status,
    c.pausedAt ? "yes" : "no",
    c.createdAt,
    c.lastSyncAt,
    c.lastSyncStatus,
    c.errorCode,
  ]);
  return csvResponse(csvFilename("connections", named, now), csvStream(CONNECTION_COLUMNS, rows));
}

export const SYNC_COLUMNS = [
  "Job ID",
  "Sync ID",
  "Connection ID",
  "Account",
  "Provider",
  "Owner email",
  "Status",
  "Stalled",
  "Records from Nango (added + updated + deleted)",
  "Records written to the graph",
  "Started",
  "Finished",
  "Duration (s)",
  "Error codes",
  "Error messages",
];

/** The Sync history as the page lists it for these search params, every job of it, newest first. */
export async function syncHistoryCsv(exporter: Exporter, params: SearchParams, now = new Date()): Promise<Response> {
  const filters: SyncFilters = parseSyncFilters(params);
  await audit(exporter, "sync.exported", selecting(filters));
  const rows = mapBatches(syncJobBatches(exporter, filters, undefined, now), (j) => [
    j.id,
    j.syncId,
    j.connection.id,
    j.accountName,
    j.connection.provider,
    j.connection.user.email,
    j.status,
    j.stalled ? "yes" : "no",
    j.recordsReported,
    j.recordsProcessed,
    j.startedAt,
    j.completedAt,
    j.completedAt ? Math.round((j.completedAt.getTime() - j.startedAt.getTime()) / 1000) : null,
    j.errors.map((e) => e.code).join("; "),
    j.errors.map((e) => e.message).join("\n"),
  ]);
  return csvResponse(csvFilename("sync-history", selecting(filters), now), csvStream(SYNC_COLUMNS, rows));
}
