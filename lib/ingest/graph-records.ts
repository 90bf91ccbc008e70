/**
 * "Records in the graph": what the ledger says a connection put into its knowledge graph, for people to
 * browse (title, link, version, when written, episodes). Admins see every connection of the organization,
 * members their own, through the same scope rule as everything else (lib/data/scope).
 */
import "server-only";
import { prisma } from "@/lib/db/client";
import { connectionsVisibleTo, type Scope } from "@/lib/data/scope";
import { NotFoundError } from "@/lib/errors";

export type GraphRecordRow = {
  id: string;
  model: string;
  recordId: string;
  title: string | null;
  url: string | null;
  version: string;
  status: string;
  episodes: number;
  writtenAt: Date;
  error: string | null;
};

/** A page of the connection's ledger rows (Atlas connection id), newest first, and their count by status. */
export async function listGraphRecords(scope: Scope, connectionRowId: string, opts: { cursor?: string; pageSize?: number; q?: string } = {}) {
  const connection = await prisma.connection.findFirst({ where: { id: connectionRowId, ...connectionsVisibleTo(scope) }, select: { connectionId: true } });
  if (!connection) throw new NotFoundError("This connection no longer exists, or it is not yours.");
  const pageSize = Math.min(200, Math.max(1, opts.pageSize ?? 50));
  const where = {
    organizationId: scope.organizationId,
    connectionId: connection.connectionId,
    ...(opts.q ? { OR: [{ title: { contains: opts.q, mode: "insensitive" as const } }, { recordId: opts.q }] } : {}),
  };
  const [rows, counts] = await Promise.all([
    prisma.graphWrite.findMany({ where, orderBy: [{ updatedAt: "desc" }, { id: "desc" }], take: pageSize + 1, ...(opts.cursor ? { cursor: { id: opts.cursor }, skip: 1 } : {}) }),
    prisma.graphWrite.groupBy({ by: ["status"], where: { organizationId: scope.organizationId, connectionId: connection.connectionId }, _count: true }),
  ]);
  const page = rows.slice(0, pageSize);
  return {
    rows: page.map(
      (r): GraphRecordRow => ({
        id: r.id,
        model: r.model,
        recordId: r.recordId,
        title: r.title,
        url: r.url && /^https?:\/\//i.test(r.url) ? r.url : null,
        version: r.version,
        status: r.status,
        episodes: r.episodeUuids.length,
        writtenAt: r.updatedAt,
        error: r.error,
      }),
    ),
    nextCursor: rows.length > pageSize ? page.at(-1)!.id : null,
    counts: Object.fromEntries(counts.map((c) => [c.status, c._count])) as Record<string, number>,
  };
}
