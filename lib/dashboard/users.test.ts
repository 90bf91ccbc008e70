import { describe, expect, it } from "vitest";
import { withAuditContext } from "@/lib/audit/record";
import { recordSignIn } from "@/lib/data/users";
import { prisma } from "@/lib/db/client";
import { createOrg, createUser, uid } from "@/lib/test/factory";
import { inviteMember, listMembers, removeMember } from "./users";

describe("people: members and pending invitations", () => {
  it("lists invitations never used as pending, with when and by whom, until the person signs in", async () => {
    const org = await createOrg();
    const admin = await createUser(org.id, { role: "ADMIN", name: "Ada Admin" });
    await recordSignIn(admin.email);
    // Made outside Atlas's invite form (seed, create-admin): pending, inviter unknown.
    const unknownInviter = await createUser(org.id, { name: "Zed" });
    const scope = { organizationId: org.id, userId: admin.id, role: "ADMIN" as const };
    const invited = await withAuditContext({ userId: admin.id, label: `Ada Admin <${admin.email}>` }, () =>
      inviteMember(scope, { email: `new-${uid()}@example.test`, name: null, role: "MEMBER" }),
    );
    const other = await createOrg();
    await createUser(other.id); // another organization's pending invitation is not ours

    const before = await listMembers(scope);
    expect(before.members.map((m) => m.id)).toEqual([admin.id]);
    expect(before.members[0].lastSignInAt).toBeInstanceOf(Date);
    expect(before.invitations.map((i) => [i.id, i.invitedBy])).toEqual([
      [invited.id, "Ada Admin"],
      [unknownInviter.id, null],
    ]);
    const row = await prisma.user.findUniqueOrThrow({ where: { id: invited.id } });
    expect(before.invitations[0].invitedAt).toEqual(row.createdAt);

    await recordSignIn(invited.email.toUpperCase());
    const after = await listMembers(scope);
    expect(after.members.map((m) => m.id).sort()).toEqual([admin.id, invited.id].sort());
    expect(after.invitations.map((i) => i.id)).toEqual([unknownInviter.id]);

    // Revoking an invitation is removing the user.
    await removeMember(scope, unknownInviter.id);
    expect((await listMembers(scope)).invitations).toEqual([]);
  });
});
