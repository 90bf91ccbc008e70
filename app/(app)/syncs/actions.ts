"use server";
// Admin-only Server Functions on sync jobs, written with lib/actions.ts.
import { z } from "zod";
import { defineAction } from "@/lib/actions";
import { parseSyncFilters } from "@/lib/dashboard/sync-history";
import { ALL_PROVIDERS } from "@/lib/nango/providers";
import { BULK_LIMIT, reconnectLinks, retryFailedMatching } from "@/lib/ops/bulk";
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

/** Every failed job the current filters select, back on the queue (at most BULK_LIMIT per click). */
export const bulkRetryAction = defineAction(
  "bulkRetry",
  { input: z.record(z.string(), z.string().max(400)), role: "ADMIN", revalidate: () => ["/", "/syncs"] },
  async (viewer, params) => {
    const { cursor: _cursor, ...filters } = parseSyncFilters(params);
    const r = await retryFailedMatching(viewer, filters);
    const parts = [`${r.retried} failed job${r.retried === 1 ? "" : "s"} back on the queue`];
    if (r.notResumable) parts.push(`${r.notResumable} failed in Nango before any records reached Atlas (use Sync now on their connections)`);
    if (r.errors) parts.push(`${r.errors} could not be retried (see each job)`);
    if (r.more) parts.push(`more match: run it again for the next ${BULK_LIMIT}`);
    return { message: `${parts.join("; ")}.` };
  },
);

/** Reconnect links for every expired connection of a provider: listed, and emailed to each owner if asked. */
export const reconnectLinksAction = defineAction(
  "reconnectLinks",
  { input: z.object({ provider: z.string().pipe(z.enum(ALL_PROVIDERS)), email: z.boolean().default(false) }), role: "ADMIN", invalid: "Choose a provider." },
  async (viewer, { provider, email }) => {
    const r = await reconnectLinks(viewer, provider, { email });
    const message =
      r.links.length === 0
        ? "No expired connections for this provider."
        : `${r.links.length} reconnect link${r.links.length === 1 ? "" : "s"} (valid 30 minutes)${email ? `, emailed to ${r.emailed} owner${r.emailed === 1 ? "" : "s"}` : ""}.`;
    return { message, links: r.links };
  },
);
