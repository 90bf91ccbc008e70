// Organization members, for admins: list, invite, change role, remove. The last admin stays.
import "server-only";
import { z } from "zod";
import { recordAudit } from "@/lib/audit/record";
import { prisma, Role } from "@/lib/db/client";
import { createUser } from "@/lib/data/users";
import { usersOf, type Scope } from "@/lib/data/scope";
import { ConflictError, NotFoundError } from "@/lib/errors";

export function listMembers(scope: Scope) {
  return prisma.user.findMany({
    where: usersOf(scope),
    orderBy: [{ role: "asc" }, { name: "asc" }],
    select: { id: true, name: true, email: true, role: true, createdAt: true, _count: { select: { connections: true } } },
  });
}

export const inviteSchema = z.object({
  email: z.email({ error: "Enter a valid email address." }).max(254),
  name: z.string().trim().max(100).optional().transform((v) => v || null),
  role: z.enum(Role).default("MEMBER"),
});

export function inviteMember(scope: Scope, input: z.infer<typeof inviteSchema>) {
  return prisma.$transaction(async (tx) => {
    const user = await createUser({ organizationId: scope.organizationId, email: input.email, name: input.name, role: input.role }, tx);
    await recordAudit(tx, { organizationId: scope.organizationId, action: "user.invited", target: { type: "user", id: user.id, label: user.email }, after: { role: user.role, name: user.name } });
    return user;
  });
}

/**
 * Role changes and removals run in one serializable transaction with the admin count, so two admins
 * demoting each other at the same moment cannot leave the organization without one.
 */
async function guardLastAdmin(scope: Scope, userId: string, change: (tx: typeof prisma) => Promise<unknown>, after: Role | null) {
  await prisma.$transaction(
    async (tx) => {
      const target = await tx.user.findFirst({ where: { ...usersOf(scope), id: userId }, select: { role: true, email: true, name: true } });
      if (!target) throw new NotFoundError("No such user in your organization.");
      if (target.role === "ADMIN" && after !== "ADMIN") {
        const admins = await tx.user.count({ where: { ...usersOf(scope), role: "ADMIN" } });
        if (admins <= 1) throw new ConflictError("The organization's last admin cannot be removed or demoted.");
      }
      await change(tx as typeof prisma);
      await recordAudit(tx, {
        organizationId: scope.organizationId,
        action: after ? "user.role_changed" : "user.removed",
        target: { type: "user", id: userId, label: target.email },
        before: { role: target.role, name: target.name },
        ...(after ? { after: { role: after } } : {}),
      });
    },
    { isolationLevel: "Serializable" },
  );
}

export function changeRole(scope: Scope, userId: string, role: Role) {
  return guardLastAdmin(scope, userId, (tx) => tx.user.update({ where: { id: userId }, data: { role } }), role);
}

export function removeMember(scope: Scope, userId: string) {
  return guardLastAdmin(scope, userId, (tx) => tx.user.delete({ where: { id: userId } }), null);
}
