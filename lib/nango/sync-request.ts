// "Sync now" tells the truth: Nango runs the sync and reports by webhook, and a failure webhook may never
// come (environments where failure webhooks are off). So the page says "requested at …, waiting for Nango"
// until a sync webhook arrives, and says plainly when none arrived within ATLAS_SYNC_REQUEST_PATIENCE_MINUTES.
import { readConnectionMetadata } from "@/lib/data/connection-metadata";
import { webhookSettings } from "./webhooks/settings";

export type SyncRequestState = { requestedAt: Date; late: boolean; patienceMinutes: number } | null;

export function syncRequestState(metadata: unknown, now = new Date(), patienceMinutes = webhookSettings().syncRequestPatienceMinutes): SyncRequestState {
  const at = Date.parse(readConnectionMetadata(metadata).syncRequestedAt ?? "");
  if (!Number.isFinite(at)) return null;
  return { requestedAt: new Date(at), late: now.getTime() - at > patienceMinutes * 60_000, patienceMinutes };
}
