"use server";
// Admin-only Server Functions on sync jobs, written with lib/actions.ts.
import { z } from "zod";
import { defineAction } from "@/lib/actions";
import { cancelSyncJob } from "@/lib/ops/sync-control";

const rowId = z.string().min(1).max(64);

/** A running (usually stalled) job ends FAILED with code CANCELLED; its worker stops at the next record. */
export const cancelSyncJobAction = defineAction(
  "cancelSyncJob",
  { input: rowId, role: "ADMIN", invalid: "No such sync job.", revalidate: () => ["/", "/syncs", "/connections"] },
  async (viewer, id) => {
    await cancelSyncJob(viewer, id);
    return { message: "Cancelled: the job is marked failed (CANCELLED) and its worker stops at the next record. Retry runs it again." };
  },
);
