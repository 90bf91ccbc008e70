"use server";
import { z } from "zod";
import { defineFormAction } from "@/lib/actions";
import { createProject } from "@/lib/projects";

const projectForm = z.object({ name: z.string().default(""), key: z.string().trim().optional().transform((k) => k || undefined) });

export const createProjectAction = defineFormAction(
  "createProject",
  { input: projectForm, role: "ADMIN", revalidate: () => ["/knowledge", "/connections"] },
  async (viewer, input) => {
    const project = await createProject(viewer, input);
    return { message: `Project "${project.name}" (${project.key}) created. Connections can now feed it.` };
  },
);
