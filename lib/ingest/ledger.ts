/**
 * The ledger (GraphWrite rows): what ingestion wrote into each graph, read and written one page of records
 * at a time. Every function here is ONE SQL statement, whatever the page size, so a page costs at most
 * three (lookup, PENDING marks, completion) and memory holds one page's rows only.
 *
 * The two statements of every page go to pg directly (lib/db/pool.ts), not through Prisma: its query pipeline
 * cost more CPU and time than the statements (about 20 ms a page at 500 records; `npm run bench`).
 */
import "server-only";
import { prisma } from "@/lib/db/client";
import { pgPool } from "@/lib/db/pool";

export type LedgerStatus = "PENDING" | "WRITTEN" | "DELETED" | "FAILED";

/** Where a page of records goes: one graph, one connection, one model. */
export type LedgerTarget = {
  organizationId: string;
  projectKey: string;
  graphId: string;
  /** Nango's connection id. */
  connectionId: string;
  provider: string;
  model: string;
};

export type LedgerRow = {
  recordId: string;
  version: string;
  action: string;
  contentHash: string;
  chunkCount: number;
  /** The heading of the version the row describes. */
  title: string | null;
  episodeUuids: string[];
  status: LedgerStatus;
  errorCode: string | null;
};

/** A row as written: what a record's version is, and where it stands. */
export type LedgerWrite = {
  recordId: string;
  version: string;
  action: string;
  contentHash: string;
  chunkCount: number;
  episodeUuids: string[];
  status: LedgerStatus;
  errorCode?: string | null;
  error?: string | null;
  uncertain?: boolean;
  title?: string | null;
  url?: string | null;
};

let statements = 0;
/** Ledger SQL statements run by this process so far (the bench reports them per page). */
export const ledgerStatements = () => statements;

/** The ledger rows of these records (one statement, by the unique key). */
export async function lookupRecords(t: LedgerTarget, recordIds: string[]): Promise<Map<string, LedgerRow>> {
  if (recordIds.length === 0) return new Map();
  statements++;
  const { rows } = await pgPool.query<LedgerRow>(
    `SELECT "recordId", "version", "action", "contentHash", "chunkCount", "title", "episodeUuids", "status"::text AS "status", "errorCode"
     FROM "GraphWrite"
     WHERE "graphId" = $1 AND "connectionId" = $2 AND "model" = $3 AND "recordId" = ANY($4::text[])`,
    [t.graphId, t.connectionId, t.model, recordIds],
  );
  return new Map(rows.map((r) => [r.recordId, r]));
}

/**
 * Upserts rows (one statement). `keepEpisodes`: an existing row keeps its episodeUuids (a PENDING mark:
 * those are the episodes of the version being replaced, still to delete); otherwise they are replaced.
 */
export async function upsertRecords(t: LedgerTarget, rows: LedgerWrite[], opts: { syncJobId?: string | null; keepEpisodes?: boolean } = {}): Promise<void> {
  if (rows.length === 0) return;
  statements++;
  const json = JSON.stringify(
    rows.map((r) => ({
      recordId: r.recordId,
      version: r.version,
      action: r.action,
      contentHash: r.contentHash,
      chunkCount: r.chunkCount,
      episodeUuids: r.episodeUuids,
      status: r.status,
      errorCode: r.errorCode ?? null,
      error: r.error ?? null,
      uncertain: r.uncertain ?? false,
      title: r.title ?? null,
      url: r.url ?? null,
    })),
  );
  const episodes = opts.keepEpisodes ? `"GraphWrite"."episodeUuids"` : `EXCLUDED."episodeUuids"`;
  await pgPool.query(
    `INSERT INTO "GraphWrite" ("id", "organizationId", "projectKey", "graphId", "connectionId", "provider", "model",
      "recordId", "version", "action", "contentHash", "chunkCount", "episodeUuids", "status", "errorCode", "error",
      "uncertain", "title", "url", "syncJobId", "createdAt", "updatedAt")
    SELECT gen_random_uuid()::text, $1, $2, $3, $4, $5, $6,
      x."recordId", x."version", x."action", x."contentHash", x."chunkCount",
      ARRAY(SELECT jsonb_array_elements_text(x."episodeUuids")), x."status"::"GraphWriteStatus", x."errorCode", x."error",
      x."uncertain", x."title", x."url", $7, now(), now()
    FROM jsonb_to_recordset($8::jsonb) AS x("recordId" text, "version" text, "action" text, "contentHash" text,
      "chunkCount" int, "episodeUuids" jsonb, "status" text, "errorCode" text, "error" text, "uncertain" boolean,
      "title" text, "url" text)
    ON CONFLICT ("graphId", "connectionId", "model", "recordId") DO UPDATE SET
      "version" = EXCLUDED."version", "action" = EXCLUDED."action", "contentHash" = EXCLUDED."contentHash",
      "chunkCount" = EXCLUDED."chunkCount", "episodeUuids" = ${episodes}, "status" = EXCLUDED."status",
      "errorCode" = EXCLUDED."errorCode", "error" = EXCLUDED."error",
      "uncertain" = "GraphWrite"."uncertain" OR EXCLUDED."uncertain",
      "title" = COALESCE(EXCLUDED."title", "GraphWrite"."title"), "url" = COALESCE(EXCLUDED."url", "GraphWrite"."url"),
      "syncJobId" = COALESCE(EXCLUDED."syncJobId", "GraphWrite"."syncJobId"), "updatedAt" = now()`,
    [t.organizationId, t.projectKey, t.graphId, t.connectionId, t.provider, t.model, opts.syncJobId ?? null, json],
  );
}

/** Records of a sync job the ledger holds as FAILED (for the job's "N records failed"). */
export async function failedCountOf(syncJobId: string): Promise<number> {
  statements++;
  return prisma.graphWrite.count({ where: { syncJobId, status: "FAILED" } });
}
