// Sync history: one connection's, or the organization's with filters, newest first, keyset-paginated.
import "server-only";
import { z } from "zod";
import { ALL_PROVIDERS } from "@/lib/nango/providers";
import { Prisma, prisma, SyncStatus } from "@/lib/db/client";
import { readErrorEntries, type ErrorEntry } from "@/lib/data/error-entry";
import { connectionsVisibleTo, syncJobsVisibleTo, type Scope } from "@/lib/data/scope";
import { isResumable } from "@/lib/ingest/sync-job";
import { dailyActivity } from "./overview";
import { cursorTime, decodeCursor, encodeCursor, filtersFrom, type SearchParams } from "./params";

export const SYNC_PAGE_SIZE = 20;

export type SyncError = ErrorEntry;
export const syncErrorsOf = readErrorEntries;

const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === "" || v === null ? undefined : v), schema.optional());
const isoDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

export const syncFiltersSchema = z.object({
  status: optional(z.enum(SyncStatus)),
  provider: optional(z.enum(ALL_PROVIDERS)),
  from: optional(isoDay),
  to: optional(isoDay),
  cursor: optional(z.string().max(200)),
});
export type SyncFilters = z.infer<typeof syncFiltersSchema>;

export const parseSyncFilters = (params: SearchParams): SyncFilters => filtersFrom(syncFiltersSchema, params);

const cursorShape = z.object({ t: cursorTime, id: z.string() });

const jobSelect = {
  id: true,
  syncId: true,
  status: true,
  recordsProcessed: true,
  recordsReported: true,
  cursor: true,
  modifiedAfter: true,
  errors: true,
  startedAt: true,
  completedAt: true,
  connection: { select: { id: true, provider: true, metadata: true, user: { select: { name: true, email: true } } } },
} satisfies Prisma.SyncJobSelect;

async function page(where: Prisma.SyncJobWhereInput, rawCursor?: string) {
  const cursor = decodeCursor(rawCursor, cursorShape);
  const keyset: Prisma.SyncJobWhereInput = cursor
    ? { OR: [{ startedAt: { lt: new Date(cursor.t) } }, { startedAt: new Date(cursor.t), id: { lt: cursor.id } }] }
    : {};
  const rows = await prisma.syncJob.findMany({
    where: { AND: [where, keyset] },
    orderBy: [{ startedAt: "desc" }, { id: "desc" }],
    take: SYNC_PAGE_SIZE + 1,
    select: jobSelect,
  });
  const jobs = rows.slice(0, SYNC_PAGE_SIZE).map((j) => ({ ...j, errors: syncErrorsOf(j.errors), resumable: isResumable(j) }));
  const last = jobs[jobs.length - 1];
  return { jobs, nextCursor: rows.length > SYNC_PAGE_SIZE && last ? encodeCursor({ t: last.startedAt.toISOString(), id: last.id }) : null };
}

const endOfDay = (day: string) => new Date(Date.parse(`${day}T00:00:00.000Z`) + 86_400_000);

export async function loadSyncHistory(scope: Scope, filters: SyncFilters, now = new Date()) {
  const where: Prisma.SyncJobWhereInput = {
    ...syncJobsVisibleTo(scope),
    ...(filters.status ? { status: filters.status } : {}),
    ...(filters.provider ? { connection: { ...connectionsVisibleTo(scope), provider: filters.provider } } : {}),
    ...(filters.from || filters.to
      ? {
          startedAt: {
            ...(filters.from ? { gte: new Date(`${filters.from}T00:00:00.000Z`) } : {}),
            ...(filters.to ? { lt: endOfDay(filters.to) } : {}),
          },
        }
      : {}),
  };
  const chartFilter = Prisma.sql`${filters.provider ? Prisma.sql`AND c.provider = ${filters.provider}::"Provider"` : Prisma.empty}
    ${filters.status ? Prisma.sql`AND j.status = ${filters.status}::"SyncStatus"` : Prisma.empty}`;
  const [result, activity] = await Promise.all([page(where, filters.cursor), dailyActivity(scope, 30, now, chartFilter)]);
  return { ...result, activity };
}

export async function loadConnectionDetail(scope: Scope, connectionId: string, cursor?: string) {
  const connection = await prisma.connection.findFirst({
    where: { ...connectionsVisibleTo(scope), id: connectionId },
    select: {
      id: true,
      connectionId: true,
      provider: true,
      status: true,
      metadata: true,
      lastSyncAt: true,
      createdAt: true,
      updatedAt: true,
      user: { select: { id: true, name: true, email: true } },
      _count: { select: { syncJobs: true } },
    },
  });
  if (!connection) return null;
  const history = await page({ connectionId: connection.id }, cursor);
  return { connection, ...history };
}

/** Jobs still running (PENDING, IN_PROGRESS), for live polling. */
export function runningSyncs(scope: Scope, connectionId?: string) {
  return prisma.syncJob.findMany({
    where: { ...syncJobsVisibleTo(scope), status: { in: ["PENDING", "IN_PROGRESS"] }, ...(connectionId ? { connectionId } : {}) },
    orderBy: { startedAt: "desc" },
    take: 50,
    select: { id: true, status: true, recordsProcessed: true, recordsReported: true, startedAt: true, connection: { select: { id: true, provider: true } } },
  });
}

export async function canSeeConnection(scope: Scope, connectionId: string): Promise<boolean> {
  const found = await prisma.connection.findFirst({ where: { ...connectionsVisibleTo(scope), id: connectionId }, select: { id: true } });
  return found !== null;
}
