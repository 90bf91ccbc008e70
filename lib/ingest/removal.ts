/**
 * Removing a connection's knowledge: every episode the ledger says the connection wrote is deleted from its
 * graph by uuid, then the ledger rows go, 500 at a time, so nothing of the connection is left in either.
 * Runs in the background (queue "atlas-knowledge-removal", lib/queue/knowledge-removal.ts); restartable at
 * any point, since a page's rows are deleted only after its episodes are (an episode already gone counts as
 * deleted). Keyed by Nango's connection id, so it works after the Connection row is gone.
 */
import "server-only";
import { prisma } from "@/lib/db/client";
import { log } from "@/lib/log";
import { deleteEpisode, type ZepCallOptions } from "@/lib/zep";
import { tryLockGraph } from "./graph-lock";

/** Records of the connection in the ledger (what the disconnect dialog offers to remove). */
export async function connectionKnowledgeCount(nangoConnectionId: string): Promise<number> {
  return prisma.graphWrite.count({ where: { connectionId: nangoConnectionId } });
}

/** Ledger rows of the organization's disconnected connections: what a removal has still to delete (its progress). */
export async function knowledgeBeingRemoved(organizationId: string): Promise<number> {
  const [row] = await prisma.$queryRaw<{ n: number }[]>`
    SELECT count(*)::int AS n FROM "GraphWrite" g
    WHERE g."organizationId" = ${organizationId} AND NOT EXISTS (SELECT 1 FROM "Connection" c WHERE c."connectionId" = g."connectionId")`;
  return row?.n ?? 0;
}

export class GraphBusyError extends Error {
  name = "GraphBusyError";
}

export type RemovalProgress = { removedRecords: number; removedEpisodes: number; remaining: number };

export async function removeConnectionKnowledge(
  nangoConnectionId: string,
  opts: { zep?: ZepCallOptions; pageSize?: number; onProgress?: (p: RemovalProgress) => void | Promise<void> } = {},
): Promise<RemovalProgress> {
  const progress: RemovalProgress = { removedRecords: 0, removedEpisodes: 0, remaining: await connectionKnowledgeCount(nangoConnectionId) };
  for (;;) {
    const rows = await prisma.graphWrite.findMany({
      where: { connectionId: nangoConnectionId },
      select: { id: true, graphId: true, episodeUuids: true },
      orderBy: { id: "asc" },
      take: opts.pageSize ?? 500,
    });
    if (rows.length === 0) return progress;
    const graphId = rows[0]!.graphId;
    const page = rows.filter((r) => r.graphId === graphId);
    // The graph's ingestion must not replace these episodes meanwhile: the same lock as a sync job.
    const lock = await tryLockGraph(graphId);
    if (!lock) throw new GraphBusyError(`graph ${graphId} is being written; removal continues later`);
    try {
      for (const r of page)
        for (const uuid of r.episodeUuids) {
          await deleteEpisode(uuid, opts.zep);
          progress.removedEpisodes++;
        }
      await prisma.graphWrite.deleteMany({ where: { id: { in: page.map((r) => r.id) } } });
    } finally {
      await lock.release();
    }
    progress.removedRecords += page.length;
    progress.remaining = Math.max(0, progress.remaining - page.length);
    await opts.onProgress?.({ ...progress });
  }
}

type Sender = (nangoConnectionId: string) => Promise<void>;
let sender: Sender | null = null;
/** The queue registers itself here (lib/queue/knowledge-removal.ts); null when it stops. */
export function setKnowledgeRemovalSender(next: Sender | null) {
  sender = next;
}

/** Starts removing the connection's knowledge in the background: on the queue, else in this process. */
export async function requestKnowledgeRemoval(nangoConnectionId: string): Promise<void> {
  if (sender) return sender(nangoConnectionId);
  void removeConnectionKnowledge(nangoConnectionId).catch((err: unknown) => log.error({ err, connectionId: nangoConnectionId }, "knowledge removal failed"));
}
