"use server";
// Server Functions for connecting accounts and acting on connections, all written with lib/actions.ts. The lib
// functions check that the connection is visible to the viewer (members: their own; admins: the organization's).
import { z } from "zod";
import { defineAction } from "@/lib/actions";
import { retrySyncJob } from "@/lib/ingest/sync-job";
import { connectUiSettings, type ConnectUiSettings } from "@/lib/nango/client";
import { createConnectSession, createReconnectSession, disconnect, pauseSyncs, resumeSyncs, triggerSyncNow, visibleConnection } from "@/lib/nango/connections";
import { ALL_PROVIDERS } from "@/lib/nango/providers";
import { projectKeySchema } from "@/lib/project-key";
import { simulateSandboxSync } from "@/lib/sandbox";

export type ConnectSession = { token: string; expiresAt: string; connectLink: string } & ConnectUiSettings;

const rowId = z.string().min(1).max(64);
const noConnection = "No such connection.";
const connectionPages = (id: string) => ["/connections", `/connections/${id}`];

export const startConnectAction = defineAction(
  "startConnect",
  { input: z.object({ provider: z.string().pipe(z.enum(ALL_PROVIDERS)), project: projectKeySchema }), invalid: "Choose a provider and a project." },
  async (viewer, { provider, project }) => {
    const session = await createConnectSession(viewer, provider, project);
    return { message: "Connect session started.", token: session.token, expiresAt: session.expiresAt, connectLink: session.connectLink, ...connectUiSettings() };
  },
);

/** Re-authorize in the popup (the owner) — or, for an admin, a link to send the owner (valid 30 minutes). */
export const startReconnectAction = defineAction("startReconnect", { input: rowId, invalid: noConnection }, async (viewer, id) => {
  const session = await createReconnectSession(viewer, id);
  return { message: "Reconnect session started.", token: session.token, expiresAt: session.expiresAt, connectLink: session.connectLink, ...connectUiSettings() };
});

/** The simple connection actions: one id in, one sentence out, the connection's pages refreshed. */
const connectionAction = (name: string, work: (viewer: Parameters<typeof disconnect>[0], id: string) => Promise<unknown>, done: string) =>
  defineAction(name, { input: rowId, invalid: noConnection, revalidate: connectionPages }, async (viewer, id) => {
    await work(viewer, id);
    return { message: done };
  });

export const syncNowAction = connectionAction("syncNow", triggerSyncNow, "Sync requested. This page shows it waiting until Nango reports the run by webhook.");
export const pauseSyncsAction = connectionAction("pauseSyncs", pauseSyncs, "Syncs paused: nothing new is read until you resume.");
export const resumeSyncsAction = connectionAction("resumeSyncs", resumeSyncs, "Syncs resumed on their schedule.");
export const disconnectAction = defineAction(
  "disconnect",
  { input: z.object({ id: rowId, removeKnowledge: z.boolean() }), invalid: noConnection, revalidate: ({ id }) => connectionPages(id) },
  async (viewer, { id, removeKnowledge }) => {
    await disconnect(viewer, id, { removeKnowledge });
    return { message: removeKnowledge ? "Disconnected. Its records are being removed from the knowledge graph." : "Disconnected." };
  },
);
export const simulateSyncAction = connectionAction(
  "simulateSync",
  async (viewer, id) => simulateSandboxSync((await visibleConnection(viewer, id)).connectionId),
  "The sandbox ran a sync: its webhook is on the way, and the records go to the knowledge graph.",
);

/** A FAILED job back on the queue; the worker resumes from its cursor, so nothing is written twice. */
export const retrySyncJobAction = defineAction("retrySyncJob", { input: rowId, invalid: "No such sync job.", revalidate: () => ["/connections", "/syncs"] }, async (viewer, id) => {
  await retrySyncJob(viewer, id);
  return { message: "Retrying: the job resumes where it stopped." };
});
