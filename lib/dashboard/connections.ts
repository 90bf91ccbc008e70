// The connections list: filters, search, sort and keyset (cursor) pagination, scoped to the viewer.
// Keyset pagination reads one page worth of index entries however deep the page is (10,000+ rows).
import "server-only";
import { z } from "zod";
import { ALL_PROVIDERS } from "@/lib/nango/providers";
import { ConnectionStatus, prisma, type Prisma } from "@/lib/db/client";
import { connectionsVisibleTo, usersOf, type Scope } from "@/lib/data/scope";
import { decodeCursor, encodeCursor, filtersFrom, type SearchParams } from "./params";
import { accountNameOf } from "@/lib/data/connection-metadata";

export const PAGE_SIZE = 25;

const emptyToUndefined = (v: unknown) => (v === "" || v === null ? undefined : v);

export const connectionFiltersSchema = z.object({
  provider: z.preprocess(emptyToUndefined, z.enum(ALL_PROVIDERS).optional()),
  status: z.preprocess(emptyToUndefined, z.enum(ConnectionStatus).optional()),
  owner: z.preprocess(emptyToUndefined, z.string().max(64).optional()),
  q: z.preprocess(emptyToUndefined, z.string().trim().max(200).optional()),
  sort: z.preprocess(emptyToUndefined, z.enum(["lastSync", "created"]).default("lastSync")),
  cursor: z.preprocess(emptyToUndefined, z.string().max(200).optional()),
});
export type ConnectionFilters = z.infer<typeof connectionFiltersSchema>;

export const parseConnectionFilters = (params: SearchParams): ConnectionFilters => filtersFrom(connectionFiltersSchema, params);

const cursorShape = z.object({ v: z.string().nullable(), id: z.string() });
type Cursor = z.infer<typeof cursorShape>;

/** Rows strictly after the cursor in (sortColumn DESC NULLS LAST, id DESC) order. */
function after(cursor: Cursor, column: "lastSyncAt" | "createdAt"): Prisma.ConnectionWhereInput {
  if (cursor.v === null) return { [column]: null, id: { lt: cursor.id } };
  const v = new Date(cursor.v);
  return { OR: [{ [column]: { lt: v } }, { [column]: v, id: { lt: cursor.id } }, { [column]: null }] };
}

export async function listConnections(scope: Scope, filters: ConnectionFilters) {
  const column = filters.sort === "created" ? "createdAt" : "lastSyncAt";
  const conditions: Prisma.ConnectionWhereInput[] = [connectionsVisibleTo(scope)];
  if (filters.provider) conditions.push({ provider: filters.provider });
  if (filters.status) conditions.push({ status: filters.status });
  if (filters.owner && scope.role === "ADMIN") conditions.push({ userId: filters.owner });
  if (filters.q) {
    conditions.push({
      OR: [
        { user: { name: { contains: filters.q, mode: "insensitive" } } },
        { user: { email: { contains: filters.q, mode: "insensitive" } } },
        { metadata: { path: ["accountName"], string_contains: filters.q } },
      ],
    });
  }
  const cursor = decodeCursor(filters.cursor, cursorShape);
  if (cursor) conditions.push(after(cursor, column));

  const rows = await prisma.connection.findMany({
    where: { AND: conditions },
    // createdAt is never null; lastSyncAt is, and never-synced connections go last.
    orderBy: [column === "createdAt" ? { createdAt: "desc" } : { lastSyncAt: { sort: "desc", nulls: "last" } }, { id: "desc" }],
    take: PAGE_SIZE + 1,
    select: {
      id: true,
      provider: true,
      status: true,
      metadata: true,
      lastSyncAt: true,
      createdAt: true,
      user: { select: { id: true, name: true, email: true } },
    },
  });
  const page = rows.slice(0, PAGE_SIZE);
  const last = page[page.length - 1];
  const nextCursor =
    rows.length > PAGE_SIZE && last ? encodeCursor({ v: last[column]?.toISOString() ?? null, id: last.id }) : null;
  return {
    rows: page.map((r) => ({
      ...r,
      accountName: accountNameOf(r),
    })),
    nextCursor,
  };
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
