import "server-only";
import { prisma } from "@/lib/db/client";
import type { ConnectionStatus, Provider } from "@/lib/db/client";

/** The seed's "Find Active Connections by Provider", with the owner's name and email. */
export function findActiveConnections(organizationId: string, provider: Provider) {
  return prisma.connection.findMany({
    where: { organizationId, provider, status: "ACTIVE" },
    orderBy: { createdAt: "asc" },
    select: {
      id: true,
      connectionId: true,
      provider: true,
      metadata: true,
      lastSyncAt: true,
      user: { select: { name: true, email: true } },
    },
  });
}

export type ConnectionCount = { provider: Provider; status: ConnectionStatus; count: number };

/** The seed's "Connection Status Statistics": one GROUP BY over the organization's connections. */
export async function countConnectionsByProviderAndStatus(organizationId: string): Promise<ConnectionCount[]> {
  const groups = await prisma.connection.groupBy({
    by: ["provider", "status"],
    where: { organizationId },
    _count: { id: true },
    orderBy: [{ provider: "asc" }, { status: "asc" }],
  });
  return groups.map((g) => ({ provider: g.provider, status: g.status, count: g._count.id }));
}
