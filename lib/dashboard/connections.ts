// The connections list: filters, search, sort and keyset (cursor) pagination, scoped to the viewer, with a total.
// Keyset pagination reads one page worth of index entries however deep the page is (10,000+ rows). The page's
// ids are chosen in SQL (account names live in JSON, searched case-insensitively like names and emails),
// then read with Prisma.
import { z } from "zod";
import { ALL_PROVIDERS } from "@/lib/nango/providers";
import { ConnectionStatus, Prisma, prisma, type SyncStatus } from "@/lib/db/client";
import { connectionsVisibleTo, connectionsVisibleToSql, usersOf, type Scope } from "@/lib/data/scope";
import { cursorId, cursorPage, cursorTime, decodeCursor, encodeCursor, filtersFrom, idParam, optionalParam, pageInfo, searchParam, type SearchParams } from "./params";
import { accountNameOf, projectKeyOf, readConnectionMetadata } from "@/lib/data/connection-metadata";

export const PAGE_SIZE = 25;

/** "never": no sync has completed yet; "paused": an admin or the owner paused its syncs (metadata.syncsPausedAt). */
export const SYNC_STATES = ["never", "paused"] as const;

export const connectionFiltersSchema = z.object({
  provider: optionalParam(z.enum(ALL_PROVIDERS)),
  status: optionalParam(z.enum(ConnectionStatus)),
  owner: optionalParam(idParam),
  syncs: optionalParam(z.enum(SYNC_STATES)),
  q: optionalParam(searchParam(200)),
  sort: z.preprocess((v) => (v === "" ? undefined : v), z.enum(["lastSync", "created"]).default("lastSync")),
  cursor: optionalParam(z.string().max(400)),
});
export type ConnectionFilters = z.infer<typeof connectionFiltersSchema>;

export const parseConnectionFilters = (params: SearchParams): ConnectionFilters => filtersFrom(connectionFiltersSchema, params);

const cursorShape = z.object({ v: cursorTime.nullable(), id: cursorId, p: cursorPage });
type Cursor = z.infer<typeof cursorShape>;

/** `%`, `_` and `\` match themselves in ILIKE. */
const likePattern = (q: string) => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** What the filters keep, as SQL over "Connection" c joined to "User" u. */
function filterSql(scope: Scope, filters: ConnectionFilters): Prisma.Sql {
  const parts: Prisma.Sql[] = [connectionsVisibleToSql(scope, "c")];
  if (filters.provider) parts.push(Prisma.sql`c.provider = ${filters.provider}::"Provider"`);
  if (filters.status) parts.push(Prisma.sql`c.status = ${filters.status}::"ConnectionStatus"`);
  if (filters.owner && scope.role === "ADMIN") parts.push(Prisma.sql`c."userId" = ${filters.owner}`);
  if (filters.syncs === "never") parts.push(Prisma.sql`c."lastSyncAt" IS NULL`);
  // Only a string counts as set, as lib/data/connection-metadata reads it.
  if (filters.syncs === "paused") parts.push(Prisma.sql`jsonb_typeof(c.metadata->'syncsPausedAt') = 'string'`);
  if (filters.q) {
    const like = likePattern(filters.q);
    parts.push(Prisma.sql`(u.name ILIKE ${like} OR u.email ILIKE ${like} OR c.metadata->>'accountName' ILIKE ${like})`);
  }
  return Prisma.join(parts, " AND ");
}

/**
 * Rows strictly after the cursor. "By last sync" puts connections that never synced first (newest first among
 * them): a new connection awaiting its first sync, or one stuck before it, is what an admin looks for.
 */
function afterSql(cursor: Cursor | null, sort: ConnectionFilters["sort"]): Prisma.Sql {
  if (!cursor) return Prisma.empty;
  if (sort === "created") return cursor.v === null ? Prisma.empty : Prisma.sql`AND (c."createdAt", c.id) < (${new Date(cursor.v)}, ${cursor.id})`;
  if (cursor.v === null) return Prisma.sql`AND (c."lastSyncAt" IS NOT NULL OR c.id < ${cursor.id})`;
  return Prisma.sql`AND c."lastSyncAt" IS NOT NULL AND (c."lastSyncAt", c.id) < (${new Date(cursor.v)}, ${cursor.id})`;
}

const ORDER = {
  lastSync: Prisma.sql`ORDER BY c."lastSyncAt" DESC NULLS FIRST, c.id DESC`,
  created: Prisma.sql`ORDER BY c."createdAt" DESC, c.id DESC`,
};

/**
 * One keyset page of the filtered list, in its order: ids and the sort key, `limit` rows after `cursor`. The
 * page and the CSV export both read through here, so they list the same rows.
 */
async function idsAfter(scope: Scope, filters: ConnectionFilters, cursor: Cursor | null, limit: number) {
  const column = Prisma.raw(filters.sort === "created" ? `c."createdAt"` : `c."lastSyncAt"`);
  return prisma.$queryRaw<{ id: string; key: Date | null }[]>`
    SELECT c.id, ${column} AS key FROM "Connection" c JOIN "User" u ON u.id = c."userId"
    WHERE ${filterSql(scope, filters)} ${afterSql(cursor, filters.sort)} ${ORDER[filters.sort]} LIMIT ${limit}`;
}

const cursorAt = (row: { id: string; key: Date | null }): Cursor => ({ v: row.key?.toISOString() ?? null, id: row.id });

const rowSelect = {
  id: true,
  provider: true,
  status: true,
  metadata: true,
  lastSyncAt: true,
  createdAt: true,
  user: { select: { id: true, name: true, email: true } },
} satisfies Prisma.ConnectionSelect;

/** The rows of these ids, in the ids' order (one deleted meanwhile is left out). */
async function rowsOf(ids: string[]) {
  const found = await prisma.connection.findMany({ where: { id: { in: ids } }, select: rowSelect });
  const byId = new Map(found.map((r) => [r.id, r]));
  return ids.flatMap((id) => byId.get(id) ?? []).map((r) => ({ ...r, accountName: accountNameOf(r) }));
}

export async function listConnections(scope: Scope, filters: ConnectionFilters) {
  const cursor = decodeCursor(filters.cursor, cursorShape);
  const [ids, [{ total }]] = await Promise.all([
    idsAfter(scope, filters, cursor, PAGE_SIZE + 1),
    prisma.$queryRaw<{ total: number }[]>`SELECT count(*)::int AS total FROM "Connection" c JOIN "User" u ON u.id = c."userId" WHERE ${filterSql(scope, filters)}`,
  ]);
  const pageIds = ids.slice(0, PAGE_SIZE);
  const last = pageIds[pageIds.length - 1];
  const pageNumber = cursor ? (cursor.p ?? 2) : 1;
  const nextCursor = ids.length > PAGE_SIZE && last ? encodeCursor({ ...cursorAt(last), p: pageNumber + 1 }) : null;
  return {
    rows: await rowsOf(pageIds.map((r) => r.id)),
    nextCursor,
    ...pageInfo(total, PAGE_SIZE, pageNumber),
  };
}

/**
 * Every connection the filters select (not only a page: the cursor is ignored), in the page's order, `batchSize`
 * at a time by keyset, each with its latest sync job's status: what the CSV export writes.
 */
export async function* connectionBatches(scope: Scope, filters: ConnectionFilters, batchSize = 2_000) {
  let cursor: Cursor | null = null;
  for (;;) {
    const ids = await idsAfter(scope, filters, cursor, batchSize);
    if (ids.length === 0) return;
    const [rows, latest] = await Promise.all([
      rowsOf(ids.map((r) => r.id)),
      // One index entry per connection (connectionId, startedAt DESC), however many jobs each has.
      prisma.$queryRaw<{ id: string; status: SyncStatus | null }[]>`
        SELECT c.id, l.status FROM unnest(${ids.map((r) => r.id)}::text[]) AS c(id)
        LEFT JOIN LATERAL (SELECT j.status FROM "SyncJob" j WHERE j."connectionId" = c.id ORDER BY j."startedAt" DESC LIMIT 1) l ON true`,
    ]);
    const lastJob = new Map(latest.map((r) => [r.id, r.status]));
    yield rows.map((r) => {
      const metadata = readConnectionMetadata(r.metadata);
      return { ...r, project: projectKeyOf(r), pausedAt: metadata.syncsPausedAt ?? null, errorCode: metadata.lastError?.code ?? null, lastSyncStatus: lastJob.get(r.id) ?? null };
    });
    if (ids.length < batchSize) return;
    cursor = cursorAt(ids[ids.length - 1]);
  }
}

/** People an admin can filter by; members only ever see their own connections. */
export function ownerOptions(scope: Scope) {
  if (scope.role !== "ADMIN") return Promise.resolve([]);
  return prisma.user.findMany({ where: usersOf(scope), orderBy: { name: "asc" }, select: { id: true, name: true, email: true } });
}

/** A connection found by Nango's id, as the viewer may see it; null until the auth webhook has created it. */
export async function connectionStatusByNangoId(scope: Scope, nangoConnectionId: string) {
  return prisma.connection.findFirst({
    where: { connectionId: nangoConnectionId, ...connectionsVisibleTo(scope) },
    select: { id: true, status: true, provider: true },
  });
}

/** What the "Connect an account" panel offers: every provider, and the projects a connection may feed. */
export async function connectOptions(scope: Scope) {
  const projects = await prisma.project.findMany({
    where: { organizationId: scope.organizationId },
    orderBy: [{ createdAt: "asc" }],
    select: { key: true, name: true },
  });
  return { projects: projects.some((p) => p.key === "default") ? projects : [{ key: "default", name: "Default" }, ...projects] };
}
