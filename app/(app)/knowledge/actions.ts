"use server";
import { z } from "zod";
import { defineAction, defineFormAction } from "@/lib/actions";
import { cancelRebuild, startProjectRebuild, startRebuild } from "@/lib/ingest/rebuild";
import { projectKeySchema } from "@/lib/project-key";
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

// Rebuilding knowledge from Nango (lib/ingest/rebuild.ts): admins only; members get 404 like the admin pages.
const label = (viewer: { name: string | null; email: string }) => (viewer.name ? `${viewer.name} <${viewer.email}>` : viewer.email);
const id = z.string().min(1).max(64);

export const rebuildConnectionAction = defineAction(
  "rebuildConnection",
  { input: id, role: "ADMIN", invalid: "No such connection.", revalidate: (connectionId) => [`/connections/${connectionId}`, "/knowledge"] },
  async (viewer, connectionId) => {
    const { joined } = await startRebuild({ ...viewer, label: label(viewer) }, connectionId);
    return {
      message: joined
        ? "A rebuild of this connection is already under way; this page follows it."
        : "Rebuild started: every record is read again from Nango, and only what the graph lacks is written.",
    };
  },
);

export const rebuildProjectAction = defineAction(
  "rebuildProject",
  { input: projectKeySchema, role: "ADMIN", invalid: "No such project.", revalidate: () => ["/knowledge"] },
  async (viewer, projectKey) => {
    const { started, joined } = await startProjectRebuild({ ...viewer, label: label(viewer) }, projectKey);
    const n = (k: number) => `${k} connection${k === 1 ? "" : "s"}`;
    return { message: `Rebuilding ${n(started + joined)} of the project${joined ? ` (${joined} already under way)` : ""}.` };
  },
);

export const cancelRebuildAction = defineAction(
  "cancelRebuild",
  { input: id, role: "ADMIN", invalid: "No such rebuild.", revalidate: () => ["/knowledge"] },
  async (viewer, rebuildId) => {
    const rebuild = await cancelRebuild(viewer, rebuildId);
    return { message: `Rebuild cancelled after ${rebuild.records.toLocaleString("en-US")} records; it stops before its next page.` };
  },
);
