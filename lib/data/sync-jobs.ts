import "server-only";
import { prisma } from "@/lib/db/client";
import { NotFoundError } from "@/lib/errors";
import type { Prisma, SyncStatus } from "@/lib/db/client";

export type SyncJobWrite = {
  syncId: string;
  /** Connection.id (Atlas's row id, not Nango's connection id). */
  connectionId: string;
  status: SyncStatus;
  recordsProcessed?: number;
  errors?: Prisma.InputJsonValue;
  startedAt?: Date;
  completedAt?: Date | null;
};


/**
 * The seed's "Track Sync Job Progress": create the job on first sight of its syncId, update it after.
 * Scoped: the connection must belong to the organization, and an existing job of that syncId is only
 * updated when it belongs to that connection.
 */
export async function upsertSyncJob(organizationId: string, job: SyncJobWrite) {
  const connection = await prisma.connection.findFirst({
    where: { id: job.connectionId, organizationId },
    select: { id: true },
  });
  if (!connection) throw new NotFoundError("No such connection in this organization.");
  const { syncId, connectionId, ...fields } = job;
  return prisma.syncJob.upsert({
    where: { syncId, connectionId },
    update: fields,
    create: { syncId, connectionId, ...fields },
    select: { id: true, syncId: true, status: true, recordsProcessed: true, errors: true, startedAt: true, completedAt: true },
  });
}
