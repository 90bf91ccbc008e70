import { describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/client";
import { createConnection, createOrg, createUser } from "@/lib/test/factory";
import { NotFoundError } from "@/lib/errors";
import { upsertSyncJob } from "./sync-jobs";

describe("upsertSyncJob", () => {
  it("creates the job on first sight of its syncId, then updates the same row", async () => {
    const org = await createOrg();
    const connection = await createConnection(await createUser(org.id));
    const syncId = `sync_${Date.now()}`;

    const created = await upsertSyncJob(org.id, { syncId, connectionId: connection.id, status: "IN_PROGRESS" });
    expect(created).toMatchObject({ syncId, status: "IN_PROGRESS", recordsProcessed: 0, completedAt: null });

    const completedAt = new Date();
    const updated = await upsertSyncJob(org.id, {
      syncId,
      connectionId: connection.id,
      status: "COMPLETED",
      recordsProcessed: 150,
      completedAt,
    });
    expect(updated.id).toBe(created.id);
    expect(updated).toMatchObject({ status: "COMPLETED", recordsProcessed: 150, completedAt });
    expect(await prisma.syncJob.count({ where: { syncId } })).toBe(1);
  });

  it("refuses a connection of another organization and writes nothing", async () => {
    const [mine, theirs] = [await createOrg(), await createOrg()];
    const foreign = await createConnection(await createUser(theirs.id));
    const syncId = `sync_foreign_${Date.now()}`;
    await expect(upsertSyncJob(mine.id, { syncId, connectionId: foreign.id, status: "PENDING" })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    expect(await prisma.syncJob.count({ where: { syncId } })).toBe(0);
  });
});

describe("SyncJob.organizationId", () => {
  it("is its connection's organization, whichever way the job is written (a database trigger keeps it)", async () => {
    const [org, other] = [await createOrg(), await createOrg()];
    const connection = await createConnection(await createUser(org.id));
    const viaPrisma = await prisma.syncJob.create({ data: { syncId: `sync_org_${Date.now()}`, connectionId: connection.id, status: "PENDING" } });
    expect(viaPrisma.organizationId).toBe(org.id);
    // A writer that names another organization does not get its way.
    const id = `sync_org_raw_${Date.now()}`;
    await prisma.$executeRaw`INSERT INTO "SyncJob" (id, "syncId", "connectionId", status, "organizationId") VALUES (${id}, ${id}, ${connection.id}, 'PENDING', ${other.id})`;
    expect((await prisma.syncJob.findUniqueOrThrow({ where: { id } })).organizationId).toBe(org.id);
  });
});
