"use server";
// Server Functions are plain POST endpoints: each one resolves the viewer itself and checks the role.
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { getAdmin } from "@/lib/auth/viewer";
import { DuplicateError } from "@/lib/db/errors";
import { changeRole, inviteMember, inviteSchema, removeMember, UserActionError } from "@/lib/dashboard/users";

export type ActionState = { ok: boolean; message: string } | null;

async function asState(work: () => Promise<string>): Promise<ActionState> {
  try {
    const message = await work();
    revalidatePath("/users");
    return { ok: true, message };
  } catch (err) {
    if (err instanceof UserActionError || err instanceof DuplicateError) return { ok: false, message: err.message };
    throw err;
  }
}

export async function inviteAction(_: ActionState, form: FormData): Promise<ActionState> {
  const viewer = await getAdmin();
  const parsed = inviteSchema.safeParse({ email: form.get("email"), name: form.get("name") ?? undefined, role: form.get("role") ?? undefined });
  if (!parsed.success) return { ok: false, message: parsed.error.issues.map((i) => i.message).join(" ") };
  return asState(async () => {
    const user = await inviteMember(viewer, parsed.data);
    return `${user.email} can now sign in to ${viewer.organizationName}.`;
  });
}

const roleSchema = z.object({ userId: z.string().min(1).max(64), role: z.enum(["ADMIN", "MEMBER"]) });

export async function changeRoleAction(_: ActionState, form: FormData): Promise<ActionState> {
  const viewer = await getAdmin();
  const parsed = roleSchema.safeParse({ userId: form.get("userId"), role: form.get("role") });
  if (!parsed.success) return { ok: false, message: "Choose a user and a role." };
  return asState(async () => {
    await changeRole(viewer, parsed.data.userId, parsed.data.role);
    return "Role changed.";
  });
}

export async function removeAction(_: ActionState, form: FormData): Promise<ActionState> {
  const viewer = await getAdmin();
  const userId = z.string().min(1).max(64).safeParse(form.get("userId"));
  if (!userId.success) return { ok: false, message: "Choose a user." };
  return asState(async () => {
    await removeMember(viewer, userId.data);
    return "User removed, with their connections and sync history.";
  });
}
