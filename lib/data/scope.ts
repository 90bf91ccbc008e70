// The one place that turns "who is asking" into WHERE clauses. Every query that reads or writes an
// organization's rows takes a Scope and filters through these helpers, so tenancy is decided here only.
import "server-only";
import { Prisma, type Role } from "@/lib/db/client";

export type Scope = {
  organizationId: string;
  userId: string;
  role: Role;
};

/** Admins see their organization's connections; members only their own (the seed: "verify user ownership"). */
export function connectionsVisibleTo(scope: Scope): Prisma.ConnectionWhereInput {
  return scope.role === "ADMIN"
    ? { organizationId: scope.organizationId }
    : { organizationId: scope.organizationId, userId: scope.userId };
}

/**
 * A job's organizationId is its connection's (a database trigger copies it), so an admin's history is one
 * range of the (organizationId, startedAt) index rather than every organization's jobs by start time.
 */
export function syncJobsVisibleTo(scope: Scope): Prisma.SyncJobWhereInput {
  return scope.role === "ADMIN"
    ? { organizationId: scope.organizationId }
    : { organizationId: scope.organizationId, connection: { userId: scope.userId } };
}

export function usersOf(scope: Pick<Scope, "organizationId">): Prisma.UserWhereInput {
  return { organizationId: scope.organizationId };
}

/** The same rule for raw SQL over "Connection" aliased as `alias`. */
export function connectionsVisibleToSql(scope: Scope, alias = "c"): Prisma.Sql {
  const a = Prisma.raw(`"${alias}"`);
  return scope.role === "ADMIN"
    ? Prisma.sql`${a}."organizationId" = ${scope.organizationId}`
    : Prisma.sql`${a}."organizationId" = ${scope.organizationId} AND ${a}."userId" = ${scope.userId}`;
}

/** Webhook deliveries concerning the organization's connections (admins only; the page checks the role). */
export function webhookDeliveriesOf(scope: Pick<Scope, "organizationId">): Prisma.WebhookDeliveryWhereInput {
  return { organizationId: scope.organizationId };
}

/**
 * Projects (knowledge graphs) over raw SQL with "Project" aliased as `alias`. Admins: every project of the
 * organization. Members: the projects their own connections feed (Connection.metadata.projectId, "default"
 * when unset) plus the organization's default project.
 */
export function projectsVisibleToSql(scope: Scope, alias = "p"): Prisma.Sql {
  const a = Prisma.raw(`"${alias}"`);
  if (scope.role === "ADMIN") return Prisma.sql`${a}."organizationId" = ${scope.organizationId}`;
  return Prisma.sql`${a}."organizationId" = ${scope.organizationId} AND (${a}."key" = 'default' OR ${a}."key" IN (
    SELECT COALESCE(NULLIF(c."metadata"->>'projectId', ''), 'default') FROM "Connection" c
    WHERE c."organizationId" = ${scope.organizationId} AND c."userId" = ${scope.userId}))`;
}
