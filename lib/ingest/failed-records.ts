/**
 * Failed records (admins): ledger rows Zep refused or that could not be described, across connections, and
 * retrying them. A retry reads the records again from Nango by id (listRecords `ids`), under the graph's
 * lock, and writes them through the same ingestion path (same ledger, same guarantees).
 */
import "server-only";
import type { Nango } from "@nangohq/node";
import { z } from "zod";
import { Prisma, prisma } from "@/lib/db/client";
import type { Scope } from "@/lib/data/scope";
import { ConflictError, ForbiddenError } from "@/lib/errors";
import { nangoClient } from "@/lib/nango/client";
import { integrationOf } from "@/lib/nango/providers";
import type { ZepCallOptions } from "@/lib/zep";
import type { NangoRecord, ProviderName } from "./episodes";
import { tryLockGraph } from "./graph-lock";
import { ingestRecords, type IngestResult } from "./ingest";
import { nangoRecords } from "./nango-records";

export const failedRecordFilters = z.object({
  provider: z.string().trim().toLowerCase().max(20).optional(),
  /** Nango's connection id. */
  connection: z.string().trim().max(200).optional(),
  errorCode: z.string().trim().max(60).optional(),
  since: z.coerce.date().optional(),
  until: z.coerce.date().optional(),
  /** Rows written again after a lost answer (the graph may hold an unlisted duplicate) instead of failures. */
  uncertain: z.coerce.boolean().optional(),
  cursor: z.string().max(64).optional(),
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
});
export type FailedRecordFilters = z.input<typeof failedRecordFilters>;

export type FailedRecordRow = {
  id: string;
  provider: string;
  connectionId: string;
  /** The Atlas connection, when it still exists. */
  connection: { id: string; accountName: string | null } | null;
  projectKey: string;
  model: string;
  recordId: string;
  title: string | null;
  url: string | null;
  version: string;
  errorCode: string | null;
  error: string | null;
  uncertain: boolean;
  updatedAt: Date;
};

function requireAdmin(scope: Scope) {
  if (scope.role !== "ADMIN") throw new ForbiddenError("Only admins see failed records.");
}

function where(scope: Scope, f: z.output<typeof failedRecordFilters>): Prisma.GraphWriteWhereInput {
  return {
    organizationId: scope.organizationId,
    ...(f.uncertain ? { uncertain: true } : { status: "FAILED" }),
    ...(f.provider ? { provider: f.provider } : {}),
    ...(f.connection ? { connectionId: f.connection } : {}),
    ...(f.errorCode ? { errorCode: f.errorCode } : {}),
    ...(f.since || f.until ? { updatedAt: { ...(f.since ? { gte: f.since } : {}), ...(f.until ? { lte: f.until } : {}) } } : {}),
  };
}

/** A page of failed records, newest first, with the error codes present (for the filter) and the total. */
export async function listFailedRecords(scope: Scope, input: FailedRecordFilters = {}) {
  requireAdmin(scope);
  const f = failedRecordFilters.parse(input);
  const filter = where(scope, f);
  const [rows, total, codes] = await Promise.all([
    prisma.graphWrite.findMany({
      where: filter,
      orderBy: [{ updatedAt: "desc" }, { id: "desc" }],
      take: f.pageSize + 1,
      ...(f.cursor ? { cursor: { id: f.cursor }, skip: 1 } : {}),
    }),
    prisma.graphWrite.count({ where: filter }),
    prisma.graphWrite.groupBy({ by: ["errorCode"], where: { organizationId: scope.organizationId, status: "FAILED" }, _count: true }),
  ]);
  const page = rows.slice(0, f.pageSize);
  const connections = await prisma.connection.findMany({
    where: { organizationId: scope.organizationId, connectionId: { in: [...new Set(page.map((r) => r.connectionId))] } },
    select: { id: true, connectionId: true, metadata: true },
  });
  const byNangoId = new Map(connections.map((c) => [c.connectionId, c]));
  const accountName = (m: unknown) => {
    const v = (m as { accountName?: unknown } | null)?.accountName;
    return typeof v === "string" && v ? v : null;
  };
  return {
    rows: page.map(
      (r): FailedRecordRow => ({
        id: r.id,
        provider: r.provider,
        connectionId: r.connectionId,
        connection: byNangoId.has(r.connectionId) ? { id: byNangoId.get(r.connectionId)!.id, accountName: accountName(byNangoId.get(r.connectionId)!.metadata) } : null,
        projectKey: r.projectKey,
        model: r.model,
        recordId: r.recordId,
        title: r.title,
        url: r.url && /^https?:\/\//i.test(r.url) ? r.url : null,
        version: r.version,
        errorCode: r.errorCode,
        error: r.error,
        uncertain: r.uncertain,
        updatedAt: r.updatedAt,
      }),
    ),
    nextCursor: rows.length > f.pageSize ? page.at(-1)!.id : null,
    total,
    errorCodes: codes.map((c) => ({ code: c.errorCode ?? "UNKNOWN", count: c._count })).sort((a, b) => b.count - a.count),
  };
}

export type RetryFailedInput = { ids: string[] } | { all: true; filters?: FailedRecordFilters };
export type RetryFailedResult = { retried: number; written: number; stillFailed: number; notFound: number };

/** At most this many records per retry request: a person waits for the answer. */
export const RETRY_LIMIT = 500;

/**
 * Re-reads the chosen failed records from Nango and writes them again. Groups by graph, connection and
 * model; each group holds its graph's lock (an ingestion running on it makes this a conflict, try later).
 */
export async function retryFailedRecords(
  scope: Scope,
  input: RetryFailedInput,
  opts: { nango?: Nango; zep?: ZepCallOptions } = {},
): Promise<RetryFailedResult> {
  requireAdmin(scope);
  const filter: Prisma.GraphWriteWhereInput =
    "ids" in input
      ? { organizationId: scope.organizationId, status: "FAILED", id: { in: input.ids.slice(0, RETRY_LIMIT) } }
      : { ...where(scope, failedRecordFilters.parse(input.filters ?? {})), status: "FAILED" };
  const rows = await prisma.graphWrite.findMany({ where: filter, take: RETRY_LIMIT, orderBy: { updatedAt: "asc" } });
  const groups = new Map<string, typeof rows>();
  for (const r of rows) {
    const key = `${r.graphId}\u0000${r.connectionId}\u0000${r.model}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const result: RetryFailedResult = { retried: rows.length, written: 0, stillFailed: 0, notFound: 0 };
  for (const group of groups.values()) {
    const first = group[0]!;
    const connection = await prisma.connection.findFirst({
      where: { organizationId: scope.organizationId, connectionId: first.connectionId },
      select: { provider: true, metadata: true },
    });
    if (!connection) {
      result.notFound += group.length; // disconnected: nothing to read the records from
      continue;
    }
    const lock = await tryLockGraph(first.graphId);
    if (!lock) throw new ConflictError("An ingestion is writing to this graph right now; retry in a minute.");
    try {
      const seen = new Set<string>();
      const records = (async function* () {
        for await (const r of nangoRecords(opts.nango ?? nangoClient(), {
          providerConfigKey: integrationOf(connection),
          connectionId: first.connectionId,
          model: first.model,
          ids: group.map((r) => r.recordId),
        }))
          yield (seen.add(String(r.id)), r as NangoRecord);
      })();
      const done: IngestResult = await ingestRecords({
        records,
        graphId: first.graphId,
        source: { provider: first.provider as ProviderName, connectionId: first.connectionId, model: first.model },
        owner: { organizationId: first.organizationId, projectKey: first.projectKey },
        zep: opts.zep,
      });
      result.stillFailed += done.recordsFailed;
      result.written += done.records - done.recordsFailed;
      result.notFound += group.filter((r) => !seen.has(r.recordId)).length;
    } finally {
      await lock.release();
    }
  }
  return result;
}
