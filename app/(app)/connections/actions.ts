"use server";
// Server Functions for connecting accounts and acting on connections. Each resolves the viewer itself; the
// lib functions check that the connection is visible to them (members: their own; admins: the organization's).
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { getViewer } from "@/lib/auth/viewer";
import { connectUiSettings, type ConnectUiSettings } from "@/lib/nango/client";
import {
  createConnectSession,
  createReconnectSession,
  describeNangoError,
  disconnect,
  NotFoundError,
  pauseSyncs,
  projectIdSchema,
  resumeSyncs,
  triggerSyncNow,
  visibleConnection,
} from "@/lib/nango/connections";
import { ALL_PROVIDERS } from "@/lib/nango/providers";
import { simulateSandboxSync } from "@/lib/sandbox";
import { retrySyncJob, SyncJobNotFoundError, SyncJobNotRetryableError } from "@/lib/ingest/sync-job";

export type ActionResult = { ok: true; message: string } | { ok: false; message: string };
export type ConnectStart = ({ ok: true; token: string; expiresAt: string; connectLink: string } & ConnectUiSettings) | { ok: false; message: string };

const connectionIdSchema = z.string().min(1).max(64);
const connectSchema = z.object({ provider: z.enum(ALL_PROVIDERS), project: projectIdSchema });

async function attempt<T extends { ok: boolean }>(work: () => Promise<T>, notFound: string): Promise<T | { ok: false; message: string }> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof NotFoundError) return { ok: false, message: notFound };
    console.error("[connections]", err);
    return { ok: false, message: describeNangoError(err) };
  }
}

function refresh(connectionId?: string) {
  revalidatePath("/connections");
  if (connectionId) revalidatePath(`/connections/${connectionId}`);
}

export async function startConnectAction(provider: string, project: string): Promise<ConnectStart> {
  const viewer = await getViewer();
  const input = connectSchema.safeParse({ provider, project });
  if (!input.success) return { ok: false, message: "Choose a provider and a project." };
  return attempt(async () => {
    const session = await createConnectSession(viewer, input.data.provider, input.data.project);
    return { ok: true as const, token: session.token, expiresAt: session.expiresAt, connectLink: session.connectLink, ...connectUiSettings() };
  }, "That project does not exist in your organization.");
}

/** Re-authorize in the popup (the owner) — or, for an admin, a link to send the owner (valid 30 minutes). */
export async function startReconnectAction(connectionId: string): Promise<ConnectStart> {
  const viewer = await getViewer();
  const id = connectionIdSchema.safeParse(connectionId);
  if (!id.success) return { ok: false, message: "No such connection." };
  return attempt(async () => {
    const session = await createReconnectSession(viewer, id.data);
    return { ok: true as const, token: session.token, expiresAt: session.expiresAt, connectLink: session.connectLink, ...connectUiSettings() };
  }, "This connection no longer exists, or it is not yours.");
}

const simple = (work: (viewer: Awaited<ReturnType<typeof getViewer>>, id: string) => Promise<void>, done: string) =>
  async function (connectionId: string): Promise<ActionResult> {
    const viewer = await getViewer();
    const id = connectionIdSchema.safeParse(connectionId);
    if (!id.success) return { ok: false, message: "No such connection." };
    const result = await attempt(async () => {
      await work(viewer, id.data);
      return { ok: true as const, message: done };
    }, "This connection no longer exists, or it is not yours.");
    refresh(id.data);
    return result;
  };

export const syncNowAction = simple(triggerSyncNow, "Sync requested: Nango runs it now and reports back by webhook.");
export const pauseSyncsAction = simple(pauseSyncs, "Syncs paused: nothing new is read until you resume.");
export const resumeSyncsAction = simple(resumeSyncs, "Syncs resumed on their schedule.");
export const disconnectAction = simple(disconnect, "Disconnected.");
export const simulateSyncAction = simple(async (viewer, id) => {
  await simulateSandboxSync((await visibleConnection(viewer, id)).connectionId);
}, "The sandbox ran a sync: its webhook is on the way, and the records go to the knowledge graph.");

/** A FAILED job back on the queue; the worker resumes from its cursor, so nothing is written twice. */
export async function retrySyncJobAction(syncJobId: string): Promise<ActionResult> {
  const viewer = await getViewer();
  const id = connectionIdSchema.safeParse(syncJobId);
  if (!id.success) return { ok: false, message: "No such sync job." };
  try {
    await retrySyncJob(viewer, id.data);
  } catch (err) {
    if (err instanceof SyncJobNotFoundError) return { ok: false, message: "This sync job no longer exists, or it is not yours." };
    if (err instanceof SyncJobNotRetryableError) return { ok: false, message: err.message };
    throw err;
  }
  revalidatePath("/connections", "layout");
  return { ok: true, message: "Retrying: the job resumes where it stopped." };
}
