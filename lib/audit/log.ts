// The admins' Audit log page: the organization's events, newest first, filtered, keyset-paginated.
import { z } from "zod";
import { prisma, type Prisma } from "@/lib/db/client";
import type { Scope } from "@/lib/data/scope";
import { ForbiddenError } from "@/lib/errors";
import { cursorTime, decodeCursor, encodeCursor, filtersFrom, type SearchParams } from "@/lib/dashboard/params";
import { AUDIT_ACTIONS } from "./record";

export const AUDIT_PAGE_SIZE = 50;

const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === "" || v === null ? undefined : v), schema.optional());
const isoDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

export const auditFiltersSchema = z.object({
  action: optional(z.enum(AUDIT_ACTIONS)),
  // A user id, or "atlas" for what Atlas did on its own.
  actor: optional(z.string().max(64)),
  targetType: optional(z.enum(["connection", "syncJob", "user", "project", "alertChannel", "alertSettings"])),
  from: optional(isoDay),
  to: optional(isoDay),
  cursor: optional(z.string().max(200)),
});
export type AuditFilters = z.infer<typeof auditFiltersSchema>;
export const parseAuditFilters = (params: SearchParams): AuditFilters => filtersFrom(auditFiltersSchema, params);

const cursorShape = z.object({ t: cursorTime, id: z.string() });

export async function loadAuditLog(scope: Scope, filters: AuditFilters) {
  if (scope.role !== "ADMIN") throw new ForbiddenError("Only administrators can read the audit log.");
  const cursor = decodeCursor(filters.cursor, cursorShape);
  const where: Prisma.AuditEventWhereInput = {
    organizationId: scope.organizationId,
    ...(filters.action ? { action: filters.action } : {}),
    ...(filters.actor ? { actorId: filters.actor === "atlas" ? null : filters.actor } : {}),
    ...(filters.targetType ? { targetType: filters.targetType } : {}),
    ...(filters.from || filters.to
      ? {
          at: {
            ...(filters.from ? { gte: new Date(`${filters.from}T00:00:00.000Z`) } : {}),
            ...(filters.to ? { lt: new Date(Date.parse(`${filters.to}T00:00:00.000Z`) + 86_400_000) } : {}),
          },
        }
      : {}),
  };
  const keyset: Prisma.AuditEventWhereInput = cursor ? { OR: [{ at: { lt: new Date(cursor.t) } }, { at: new Date(cursor.t), id: { lt: cursor.id } }] } : {};
  const [rows, actors] = await Promise.all([
    prisma.auditEvent.findMany({ where: { AND: [where, keyset] }, orderBy: [{ at: "desc" }, { id: "desc" }], take: AUDIT_PAGE_SIZE + 1 }),
    // Everyone who ever acted, removed users included (their label is kept on the events).
    prisma.auditEvent.findMany({ where: { organizationId: scope.organizationId, actorId: { not: null } }, distinct: ["actorId"], select: { actorId: true, actorLabel: true }, orderBy: { actorId: "asc" } }),
  ]);
  const events = rows.slice(0, AUDIT_PAGE_SIZE);
  const last = events[events.length - 1];
  return {
    events,
    nextCursor: rows.length > AUDIT_PAGE_SIZE && last ? encodeCursor({ t: last.at.toISOString(), id: last.id }) : null,
    actors: actors.map((a) => ({ id: a.actorId!, label: a.actorLabel })),
  };
}
