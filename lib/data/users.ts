import "server-only";
import { prisma } from "@/lib/db/client";
import { rejectDuplicates } from "@/lib/errors";
import type { Role } from "@/lib/db/client";

/**
 * The seed's "Get User with Connections": a user of the organization with the organization, the user's
 * connections and each connection's five latest sync jobs. Three statements whatever the row counts.
 */
export function getUserWithConnections(organizationId: string, email: string) {
  return prisma.user.findFirst({
    where: { email: email.toLowerCase(), organizationId },
    select: {
      id: true,
      email: true,
      name: true,
      role: true,
      organization: { select: { id: true, name: true } },
      connections: {
        orderBy: { createdAt: "desc" },
        select: {
          id: true,
          provider: true,
          connectionId: true,
          status: true,
          metadata: true,
          lastSyncAt: true,
          createdAt: true,
          syncJobs: {
            orderBy: { startedAt: "desc" },
            take: 5,
            select: { id: true, syncId: true, status: true, recordsProcessed: true, startedAt: true, completedAt: true },
          },
        },
      },
    },
  });
}

/** `db`: a transaction to create the user in (an invitation is audited in the same one). */
export function createUser(input: { organizationId: string; email: string; name?: string | null; role?: Role }, db: Pick<typeof prisma, "user"> = prisma) {
  return rejectDuplicates("user", () =>
    db.user.create({
      data: { ...input, email: input.email.toLowerCase() },
      select: { id: true, email: true, name: true, role: true, organizationId: true },
    }),
  );
}

/**
 * Auth.js's signIn event: the person is in, so their invitation is used and this is their last sign-in.
 * By email, as sign-in resolves people (an OAuth provider's user id is not ours). Nothing for an unknown email.
 */
export async function recordSignIn(email: string, at = new Date()) {
  await prisma.user.updateMany({ where: { email: email.toLowerCase() }, data: { lastSignInAt: at } });
}
