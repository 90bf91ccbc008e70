"use server";
// Admin-only Server Functions for the organization's members, written with lib/actions.ts.
import { z } from "zod";
import { defineFormAction } from "@/lib/actions";
import { changeRole, inviteMember, inviteSchema, removeMember } from "@/lib/dashboard/users";
import { Role } from "@/lib/db/client";

const admin = { role: "ADMIN" as const, revalidate: () => ["/users"] };
const userId = z.string().min(1).max(64);

export const inviteAction = defineFormAction("invite", { ...admin, input: inviteSchema }, async (viewer, input) => {
  const user = await inviteMember(viewer, input);
  return { message: `${user.email} is invited: they can sign in to ${viewer.organizationName} now.` };
});

export const changeRoleAction = defineFormAction(
  "changeRole",
  { ...admin, input: z.object({ userId, role: z.enum(Role) }), invalid: "Choose a user and a role." },
  async (viewer, { userId, role }) => {
    const user = await changeRole(viewer, userId, role);
    return { message: `${user.name ?? user.email} is now ${role === "ADMIN" ? "an admin" : "a member"}.` };
  },
);

export const removeAction = defineFormAction("remove", { ...admin, input: z.object({ userId }), invalid: "Choose a user." }, async (viewer, { userId }) => {
  const user = await removeMember(viewer, userId);
  const who = user.name ?? user.email;
  return { message: user.lastSignInAt ? `${who} removed, with their connections and sync history.` : `Invitation for ${user.email} revoked.` };
});
