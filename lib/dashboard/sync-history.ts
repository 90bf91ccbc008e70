// Sync history: one connection's, or the organization's with filters, newest first, keyset-paginated.
import "server-only";
import { z } from "zod";
import { ALL_PROVIDERS } from "@/lib/nango/providers";
import { Prisma, prisma, SyncStatus } from "@/lib/db/client";
import { readErrorEntries, type ErrorEntry } from "@/lib/data/error-entry";
import { connectionsVisibleTo, connectionsVisibleToSql, syncJobsVisibleTo, type Scope } from "@/lib/data/scope";
import { isResumable } from "@/lib/ingest/sync-job";
import { isStalled, stalledSql, stalledWhere } from "@/lib/ops/stalled";
import { dailyActivity, dailyActivityOfJobs } from "./overview";
import { accountNameOf } from "@/lib/data/connection-metadata";
import {
  cursorId,
  cursorPage,
  cursorTime,
  dayParam,
  decodeCursor,
  encodeCursor,
  filtersFrom,
  idParam,
  isId,
  optionalParam,
  orderedRange,
  pageInfo,
  startOfDay,
  startOfNextDay,
  type SearchParams,
} from "./params";

export const SYNC_PAGE_SIZE = 20;
/** Sync history counts its jobs up to here ("10,000+"): an organization holds hundreds of thousands. */
export const SYNC_COUNT_CAP = 10_000;

export type SyncError = ErrorEntry;
export const syncErrorsOf = readErrorEntries;

/** Error codes are short upper-case words (RATE_LIMIT, TOKEN_EXPIRED); anything else matches nothing anyway. */
const errorCode = z.string().trim().regex(/^[A-Za-z0-9_.:-]{1,64}$/);

export const syncFiltersSchema = z.object({
  // STALLED: running without progress for ATLAS_STALLED_AFTER_MINUTES (lib/ops/stalled.ts).
  status: optionalParam(z.union([z.enum(SyncStatus), z.literal("STALLED")])),
  provider: optionalParam(z.enum(ALL_PROVIDERS)),
  connection: optionalParam(idParam),
  owner: optionalParam(idParam),
  code: optionalParam(errorCode),
  from: optionalParam(dayParam),
  to: optionalParam(dayParam),
  cursor: optionalParam(z.string().max(400)),
});
export type SyncFilters = z.infer<typeof syncFiltersSchema>;

/** From the address; a from/to given the wrong way round is read as the range it names. */
export const parseSyncFilters = (params: SearchParams): SyncFilters => orderedRange(filtersFrom(syncFiltersSchema, params));

const cursorShape = z.object({ t: cursorTime, id: cursorId, p: cursorPage });

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
  progressAt: true,
  connection: { select: { id: true, provider: true, metadata: true, user: { select: { name: true, email: true } } } },
} satisfies Prisma.SyncJobSelect;

/**
 * `limit` jobs strictly after the cursor, newest first: the page and the CSV export both read through here.
 * The plain bound beside the OR lets PostgreSQL start the index scan at the cursor instead of filtering up to it.
 */
function jobsAfter(where: Prisma.SyncJobWhereInput, cursor: { t: string; id: string } | null, limit: number) {
  const keyset: Prisma.SyncJobWhereInput = cursor
    ? { startedAt: { lte: new Date(cursor.t) }, OR: [{ startedAt: { lt: new Date(cursor.t) } }, { startedAt: new Date(cursor.t), id: { lt: cursor.id } }] }
    : {};
  return prisma.syncJob.findMany({ where: { AND: [where, keyset] }, orderBy: [{ startedAt: "desc" }, { id: "desc" }], take: limit, select: jobSelect });
}

async function page(where: Prisma.SyncJobWhereInput, rawCursor?: string) {
  const cursor = decodeCursor(rawCursor, cursorShape);
  const [rows, total] = await Promise.all([jobsAfter(where, cursor, SYNC_PAGE_SIZE + 1), prisma.syncJob.count({ where, take: SYNC_COUNT_CAP + 1 })]);
  const jobs = rows.slice(0, SYNC_PAGE_SIZE).map((j) => ({ ...j, errors: syncErrorsOf(j.errors), resumable: isResumable(j), stalled: isStalled(j) }));
  const last = jobs[jobs.length - 1];
  const pageNumber = cursor ? (cursor.p ?? 2) : 1;
  return {
    jobs,
    nextCursor: rows.length > SYNC_PAGE_SIZE && last ? encodeCursor({ t: last.startedAt.toISOString(), id: last.id, p: pageNumber + 1 }) : null,
    ...pageInfo(Math.min(total, SYNC_COUNT_CAP), SYNC_PAGE_SIZE, pageNumber, total > SYNC_COUNT_CAP),
  };
}

/** The jobs the filters select, as the page lists them (bulk retry acts on the same set). */
export function syncHistoryWhere(scope: Scope, filters: Omit<SyncFilters, "cursor">, now = new Date()): Prisma.SyncJobWhereInput {
  const owner = scope.role === "ADMIN" ? filters.owner : undefined;
  // Admins: the job's own organizationId (trigger-kept) scopes it, one index range; the connection is joined only
  // for what only it knows. Members: through their own connections (a few), measured faster than the organization's range.
  const userId = scope.role === "ADMIN" ? owner : scope.userId;
  const connection: Prisma.ConnectionWhereInput = {
    ...(scope.role === "ADMIN" ? {} : connectionsVisibleTo(scope)),
    ...(filters.provider ? { provider: filters.provider } : {}),
    ...(userId ? { userId } : {}),
  };
  const where: Prisma.SyncJobWhereInput = {
    ...(scope.role === "ADMIN" ? { organizationId: scope.organizationId } : {}),
    ...(Object.keys(connection).length ? { connection } : {}),
    ...(filters.connection ? { connectionId: filters.connection } : {}),
    ...(filters.status === "STALLED" ? stalledWhere(now) : filters.status ? { status: filters.status } : {}),
    // errors is a JSON array of entries: jobs with at least one entry of this code.
    ...(filters.code ? { errors: { array_contains: [{ code: filters.code }] } } : {}),
    ...(filters.from || filters.to
      ? {
          startedAt: {
            ...(filters.from ? { gte: startOfDay(filters.from) } : {}),
            ...(filters.to ? { lt: startOfNextDay(filters.to) } : {}),
          },
        }
      : {}),
  };
  return where;
}

/**
 * Every job the filters select (the cursor is ignored), newest first, `batchSize` at a time by keyset over the
 * same index the page reads: the CSV export of 300,000 jobs holds one batch in memory at a time.
 */
export async function* syncJobBatches(scope: Scope, filters: SyncFilters, batchSize = 2_000, now = new Date()) {
  const where = syncHistoryWhere(scope, filters, now);
  let cursor: { t: string; id: string } | null = null;
  for (;;) {
    const rows = await jobsAfter(where, cursor, batchSize);
    if (rows.length === 0) return;
    yield rows.map((j) => ({ ...j, errors: syncErrorsOf(j.errors), stalled: isStalled(j, now), accountName: accountNameOf(j.connection) }));
    if (rows.length < batchSize) return;
    const last = rows[rows.length - 1];
    cursor = { t: last.startedAt.toISOString(), id: last.id };
  }
}

export async function loadSyncHistory(scope: Scope, filters: SyncFilters, now = new Date()) {
  const owner = scope.role === "ADMIN" ? filters.owner : undefined;
  const where = syncHistoryWhere(scope, filters, now);
  const chartFilter = Prisma.sql`${filters.provider ? Prisma.sql`AND c.provider = ${filters.provider}::"Provider"` : Prisma.empty}
    ${filters.status === "STALLED" ? Prisma.sql`AND ${stalledSql("j", now)}` : filters.status ? Prisma.sql`AND j.status = ${filters.status}::"SyncStatus"` : Prisma.empty}
    ${filters.connection ? Prisma.sql`AND c.id = ${filters.connection}` : Prisma.empty}
    ${owner ? Prisma.sql`AND c."userId" = ${owner}` : Prisma.empty}
    ${filters.code ? Prisma.sql`AND j.errors @> ${JSON.stringify([{ code: filters.code }])}::jsonb` : Prisma.empty}`;
  // The daily rollup answers the chart unless a filter it does not keep (one connection, an error code, stalled) is set.
  const fromRollup = !filters.connection && !filters.code && filters.status !== "STALLED";
  const activity = fromRollup
    ? dailyActivity(scope, 30, now, { provider: filters.provider, status: filters.status === "STALLED" ? undefined : filters.status, userId: owner })
    : dailyActivityOfJobs(scope, 30, now, chartFilter);
  const [result, chart] = await Promise.all([page(where, filters.cursor), activity]);
  return { ...result, activity: chart };
}

/**
 * What the Sync history filters offer: the viewer's connections and, for admins, the owners; the error codes of
 * jobs that failed in 30 days: the organization's from SyncErrorCode (kept by a trigger), a member's from their
 * own connections' failed jobs (a few connections' index ranges).
 */
export async function syncFilterOptions(scope: Scope, now = new Date()) {
  const since = new Date(now.getTime() - 30 * 86_400_000);
  const codesOf =
    scope.role === "ADMIN"
      ? prisma.$queryRaw<{ code: string }[]>`
      SELECT code FROM "SyncErrorCode" WHERE "organizationId" = ${scope.organizationId} AND "lastSeenAt" >= ${since} ORDER BY 1 LIMIT 100`
      : // Connection by connection. OFFSET 0 keeps the subquery per connection (flattened, PostgreSQL walked the
        // whole organization's jobs by start time: 85 ms for a member of Big, against 2 ms), and the materialized
        // list of the member's connections keeps the plan off a parallel scan of every organization's connections.
        prisma.$queryRaw<{ code: string }[]>`
      WITH mine AS MATERIALIZED (SELECT c.id FROM "Connection" c WHERE ${connectionsVisibleToSql(scope)})
      SELECT DISTINCT e->>'code' AS code
      FROM mine
        CROSS JOIN LATERAL (
          SELECT j.errors FROM "SyncJob" j WHERE j."connectionId" = mine.id AND j.status = 'FAILED' AND j."startedAt" >= ${since} OFFSET 0) j,
        jsonb_array_elements(CASE WHEN jsonb_typeof(j.errors) = 'array' THEN j.errors ELSE '[]'::jsonb END) e
      WHERE jsonb_typeof(e->'code') = 'string'
      ORDER BY 1 LIMIT 100`;
  const [connections, codes] = await Promise.all([
    prisma.connection.findMany({
      where: connectionsVisibleTo(scope),
      orderBy: [{ provider: "asc" }, { createdAt: "asc" }],
      take: 500,
      select: { id: true, provider: true, metadata: true, user: { select: { name: true, email: true } } },
    }),
    codesOf,
  ]);
  return {
    connections: connections.map((c) => ({ id: c.id, provider: c.provider, accountName: accountNameOf(c), owner: c.user.name ?? c.user.email })),
    codes: codes.map((c) => c.code),
  };
}

export async function loadConnectionDetail(scope: Scope, connectionId: string, cursor?: string) {
  // Whatever the address held: an id of another shape (NUL, 2,000 characters) is simply not a connection.
  if (!isId(connectionId)) return null;
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
      createdByLabel: true,
      modifiedByLabel: true,
      user: { select: { id: true, name: true, email: true } },
      _count: { select: { syncJobs: true } },
    },
  });
  if (!connection) return null;
  const history = await page({ connectionId: connection.id }, cursor);
  return { connection, ...history };
}

/** Jobs still running (PENDING, IN_PROGRESS), for live polling; `stalled` when they stopped moving. */
export async function runningSyncs(scope: Scope, connectionId?: string) {
  const rows = await prisma.syncJob.findMany({
    where: { ...syncJobsVisibleTo(scope), status: { in: ["PENDING", "IN_PROGRESS"] }, ...(connectionId ? { connectionId } : {}) },
    orderBy: { startedAt: "desc" },
    take: 50,
    select: { id: true, status: true, recordsProcessed: true, recordsReported: true, startedAt: true, progressAt: true, connection: { select: { id: true, provider: true } } },
  });
  return rows.map(({ progressAt, ...j }) => ({ ...j, stalled: isStalled({ status: j.status, progressAt }) }));
}

export async function canSeeConnection(scope: Scope, connectionId: string): Promise<boolean> {
  const found = await prisma.connection.findFirst({ where: { ...connectionsVisibleTo(scope), id: connectionId }, select: { id: true } });
  return found !== null;
}
