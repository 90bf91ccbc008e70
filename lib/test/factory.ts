// Test data builders. Every test works inside an organization of its own (unique ids), so test files can
// run in parallel on one database and assert exact row sets.
import { randomUUID } from "node:crypto";
import { prisma, type ConnectionStatus, type Prisma, type Provider, type Role, type SyncStatus } from "@/lib/db/client";

export const uid = () => randomUUID().slice(0, 8);

export async function createOrg(name = "Test Org") {
  return prisma.organization.create({ data: { name: `${name} ${uid()}` } });
}

export async function createUser(organizationId: string, opts: { name?: string; role?: Role; email?: string } = {}) {
  const key = uid();
  return prisma.user.create({
    data: {
      organizationId,
      email: opts.email ?? `user-${key}@example.test`,
      name: opts.name ?? `User ${key}`,
      role: opts.role ?? "MEMBER",
    },
  });
}

export async function createConnection(
  user: { id: string; organizationId: string },
  opts: { provider?: Provider; status?: ConnectionStatus; metadata?: Prisma.InputJsonValue; lastSyncAt?: Date; createdAt?: Date } = {},
) {
  return prisma.connection.create({
    data: {
      connectionId: randomUUID(),
      provider: opts.provider ?? "GITHUB",
      status: opts.status ?? "ACTIVE",
      userId: user.id,
      organizationId: user.organizationId,
      metadata: opts.metadata ?? { accountName: "octocat" },
      lastSyncAt: opts.lastSyncAt,
      createdAt: opts.createdAt,
    },
  });
}

export async function createSyncJob(
  connectionId: string,
  opts: { status?: SyncStatus; startedAt?: Date; recordsProcessed?: number; errors?: Prisma.InputJsonValue } = {},
) {
  return prisma.syncJob.create({
    data: {
      syncId: `sync_${Date.now()}_${uid()}`,
      connectionId,
      status: opts.status ?? "COMPLETED",
      recordsProcessed: opts.recordsProcessed ?? 0,
      errors: opts.errors,
      startedAt: opts.startedAt,
    },
  });
}

export async function createSession(userId: string, provider: Provider = "GITHUB") {
  return prisma.session.create({ data: { sessionId: `hash_${uid()}${uid()}`, userId, provider } });
}
