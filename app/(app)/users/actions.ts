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
  return { message: `${user.email} can now sign in to ${viewer.organizationName}.` };
});

export const changeRoleAction = defineFormAction(
  "changeRole",
  { ...admin, input: z.object({ userId, role: z.enum(Role) }), invalid: "Choose a user and a role." },
  async (viewer, { userId, role }) => {
    await changeRole(viewer, userId, role);
    return { message: "Role changed." };
  },
);

export const removeAction = defineFormAction("remove", { ...admin, input: z.object({ userId }), invalid: "Choose a user." }, async (viewer, { userId }) => {
  await removeMember(viewer, userId);
  return { message: "User removed, with their connections and sync history." };
});
