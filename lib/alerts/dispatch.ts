// Messages to channels: one AlertDelivery row per enabled channel, written in the caller's transaction, then
// handed to the alerts queue (lib/queue/alerts.ts) after commit. Without a running queue in this process the
// message is sent at once, so an alert is never lost to a deployment without workers.
import type { Prisma } from "@/lib/db/client";
import { log } from "@/lib/log";
import { deliverAlert } from "./deliver";

type Tx = Prisma.TransactionClient;
type Sender = (deliveryId: string) => Promise<void>;

// On globalThis: Next's dev server re-evaluates modules; the queue registered at start-up must stay known.
const holder = globalThis as unknown as { atlasAlertSender?: Sender | null };

/** Called by lib/queue/alerts.ts when its worker starts (null when it stops). */
export function setAlertSender(sender: Sender | null): void {
  holder.atlasAlertSender = sender;
}

export async function queueMessages(tx: Tx, organizationId: string, problemId: string | null, event: "opened" | "resolved" | "test", title: string, text: string, channelId?: string): Promise<string[]> {
  const channels = await tx.alertChannel.findMany({ where: { organizationId, enabled: true, ...(channelId ? { id: channelId } : {}) }, select: { id: true } });
  const ids: string[] = [];
  for (const c of channels) {
    const d = await tx.alertDelivery.create({ data: { channelId: c.id, problemId, event, title, text }, select: { id: true } });
    ids.push(d.id);
  }
  return ids;
}

export async function dispatchDeliveries(ids: string[]): Promise<void> {
  for (const id of ids) {
    const send = holder.atlasAlertSender;
    try {
      if (send) await send(id);
      else await deliverAlert(id, { final: true });
    } catch (err) {
      // The row says what happened (lastError); the problem itself is recorded either way.
      log.warn({ err, deliveryId: id }, "alert delivery not sent");
    }
  }
}
