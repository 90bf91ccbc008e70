"use server";
import { revalidatePath } from "next/cache";
import { ZodError } from "zod";
import { getAdmin } from "@/lib/auth/viewer";
import { DuplicateError } from "@/lib/db/errors";
import { createProject } from "@/lib/projects";

export type ProjectFormState = { ok: boolean; message: string } | null;

export async function createProjectAction(_: ProjectFormState, form: FormData): Promise<ProjectFormState> {
  const viewer = await getAdmin();
  const key = String(form.get("key") ?? "").trim();
  try {
    const project = await createProject(viewer, { name: String(form.get("name") ?? ""), key: key || undefined });
    revalidatePath("/knowledge");
    revalidatePath("/connections");
    return { ok: true, message: `Project "${project.name}" (${project.key}) created. Connections can now feed it.` };
  } catch (err) {
    if (err instanceof ZodError) return { ok: false, message: err.issues.map((i) => i.message).join(" ") };
    if (err instanceof DuplicateError) return { ok: false, message: err.message };
    throw err;
  }
}
