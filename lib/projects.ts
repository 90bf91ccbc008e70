// Projects: the knowledge-graph namespaces of an organization. A project's `key` is what connections keep
// in metadata.projectId and what its Zep graph id is derived from (graphIdFor(organizationId, key)); the
// graph itself is created on first use (ingestion or search call ensureGraph). "default" always exists.
import "server-only";
import { z } from "zod";
import { recordAudit } from "@/lib/audit/record";
import { prisma } from "@/lib/db/client";
import { projectsVisibleToSql, type Scope } from "@/lib/data/scope";
import { ConflictError, ForbiddenError, fromPrismaError, NotFoundError, rejectDuplicates } from "@/lib/errors";
import { DEFAULT_PROJECT_KEY, projectKeyForName, projectKeySchema } from "@/lib/project-key";
import { graphIdFor } from "@/lib/zep";

export { DEFAULT_PROJECT_KEY, projectKeyFrom } from "@/lib/project-key";
export { projectKeyOf } from "@/lib/data/connection-metadata";


export type ProjectSummary = { id: string; key: string; name: string; graphId: string; createdAt: Date };

/**
 * A project by key, created if missing (idempotent, safe under concurrency): connections may name a project
 * (metadata.projectId) that has no row yet, and every organization has its default.
 */
export async function ensureProject(organizationId: string, key: string) {
  const where = { organizationId_key: { organizationId, key } };
  const select = { id: true, key: true, name: true, createdAt: true };
  try {
    return await prisma.project.upsert({ where, create: { organizationId, key, name: key === DEFAULT_PROJECT_KEY ? "Default" : key }, update: {}, select });
  } catch (err) {
    // Prisma's upsert reads, then inserts: a concurrent caller may insert in between. Theirs is the same row.
    if (fromPrismaError(err) instanceof ConflictError) return prisma.project.findUniqueOrThrow({ where, select });
    throw err;
  }
}

export const ensureDefaultProject = (organizationId: string) => ensureProject(organizationId, DEFAULT_PROJECT_KEY);

/** Admins: all of the organization's projects. Members: the projects their connections feed, plus default. */
export async function projectsVisibleTo(scope: Scope): Promise<ProjectSummary[]> {
  const query = () =>
    prisma.$queryRaw<Array<{ id: string; key: string; name: string; createdAt: Date }>>`
      SELECT p.id, p.key, p.name, p."createdAt" FROM "Project" p
      WHERE ${projectsVisibleToSql(scope, "p")}
      ORDER BY (p.key = 'default') DESC, lower(p.name), p.key`;
  let rows = await query();
  if (!rows.some((p) => p.key === DEFAULT_PROJECT_KEY)) {
    await ensureDefaultProject(scope.organizationId);
    rows = await query();
  }
  return rows.map((p) => ({ ...p, graphId: graphIdFor(scope.organizationId, p.key) }));
}

/** One visible project by key, or NotFoundError (also for projects that exist but are not visible). */
export async function visibleProject(scope: Scope, key: string): Promise<ProjectSummary> {
  const found = (await projectsVisibleTo(scope)).find((p) => p.key === key);
  if (!found) throw new NotFoundError(`Project "${key}" does not exist, or you do not feed it.`);
  return found;
}


const createProjectInput = z.object({
  name: z.string().trim().min(1, "Name is required").max(100, "Name is at most 100 characters"),
  key: projectKeySchema.optional(),
});

/** Admin only. The key is derived from the name unless given; unique per organization. */
export async function createProject(scope: Scope, input: { name: string; key?: string }): Promise<ProjectSummary> {
  if (scope.role !== "ADMIN") throw new ForbiddenError("Only administrators can create projects.");
  const { name, key: given } = createProjectInput.parse(input);
  const key = given ?? projectKeyForName(name);
  const p = await rejectDuplicates(
    "project",
    () =>
      prisma.$transaction(async (tx) => {
        const created = await tx.project.create({ data: { organizationId: scope.organizationId, key, name }, select: { id: true, key: true, name: true, createdAt: true } });
        await recordAudit(tx, { organizationId: scope.organizationId, action: "project.created", target: { type: "project", id: created.id, label: `${name} (${key})` }, after: { key, name } });
        return created;
      }),
    `A project with the key "${key}" already exists in this organization.`,
  );
  return { ...p, graphId: graphIdFor(scope.organizationId, p.key) };
}
