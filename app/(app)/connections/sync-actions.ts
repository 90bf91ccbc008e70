"use server";
// Per-sync pause and resume (Nango's own syncs of one connection), written with lib/actions.ts. Same rule as
// the connection actions: members on their own connections, admins on any of the organization's.
import { z } from "zod";
import { defineAction } from "@/lib/actions";
import { setSyncPaused } from "@/lib/ops/nango-syncs";

export const setSyncPausedAction = defineAction(
  "setSyncPaused",
  {
    input: z.object({ connectionId: z.string().min(1).max(64), sync: z.string().min(1).max(200), paused: z.boolean() }),
    invalid: "Choose a connection and a sync.",
    revalidate: ({ connectionId }) => [`/connections/${connectionId}`],
  },
  async (viewer, { connectionId, sync, paused }) => {
    await setSyncPaused(viewer, connectionId, sync, paused);
    return { message: paused ? `Sync "${sync}" paused in Nango.` : `Sync "${sync}" resumed on its schedule.` };
  },
);
