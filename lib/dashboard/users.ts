// Organization members, for admins: list, invite, change role, remove. The last admin stays.
import "server-only";
import { z } from "zod";
import { recordAudit } from "@/lib/audit/record";
import { prisma, Role } from "@/lib/db/client";
import { createUser } from "@/lib/data/users";
import { usersOf, type Scope } from "@/lib/data/scope";
import { ConflictError, NotFoundError } from "@/lib/errors";

/** An audit actor label ("Ada Admin <ada@acme.test>") as a person would say it: the name, else the email. */
const actorName = (label: string) => label.match(/^(.+?) <[^>]+>$/)?.[1] ?? label;

/**
 * The organization's people, split: members who have signed in, and invitations never used (no sign-in
 * yet; revoking one is removing the user). Who invited comes from the audit trail, so it is known for
 * invitations made in Atlas and absent for people created by the seed or `npm run create-admin`.
 * Two statements whatever the counts.
 */
export async function listMembers(scope: Scope) {
  const people = await prisma.user.findMany({
    where: usersOf(scope),
    orderBy: [{ role: "asc" }, { name: "asc" }, { email: "asc" }],
    select: { id: true, name: true, email: true, role: true, createdAt: true, lastSignInAt: true, _count: { select: { connections: true } } },
  });
  const pending = people.filter((p) => !p.lastSignInAt);
  const invites = await prisma.auditEvent.findMany({
    where: { organizationId: scope.organizationId, action: "user.invited", targetId: { in: pending.map((p) => p.id) } },
    orderBy: { at: "asc" },
    select: { targetId: true, actorLabel: true },
  });
  // The latest invitation event wins (an email removed and invited again is a new row, a new id, anyway).
  const inviter = new Map(invites.map((e) => [e.targetId, actorName(e.actorLabel)]));
  return {
    members: people.filter((p) => p.lastSignInAt),
    invitations: pending
      .map((p) => ({ ...p, invitedAt: p.createdAt, invitedBy: inviter.get(p.id) ?? null }))
      .sort((a, b) => b.invitedAt.getTime() - a.invitedAt.getTime()),
  };
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
  return prisma.$transaction(
    async (tx) => {
      const target = await tx.user.findFirst({ where: { ...usersOf(scope), id: userId }, select: { role: true, email: true, name: true, lastSignInAt: true } });
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
      return target;
    },
    { isolationLevel: "Serializable" },
  );
}

export function changeRole(scope: Scope, userId: string, role: Role) {
  return guardLastAdmin(scope, userId, (tx) => tx.user.update({ where: { id: userId }, data: { role } }), role);
}

/** Also revokes an invitation (a user who never signed in): the answer says which it was. */
export function removeMember(scope: Scope, userId: string) {
  return guardLastAdmin(scope, userId, (tx) => tx.user.delete({ where: { id: userId } }), null);
}
