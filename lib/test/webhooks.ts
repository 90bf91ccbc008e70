// Tests post a signed webhook the way Nango does (through the route's handler) and apply it at once, as the
// inbox worker would; the answer has the HTTP status and, once stored, the outcome recorded in the database.
import { prisma } from "@/lib/db/client";
import { acceptNangoWebhook, applyPendingDeliveries } from "@/lib/nango/webhooks";

export type Delivered = { status: number; body: { outcome?: string; reason?: string; error?: string }; id?: string };

export function webhookRequest(w: { body: string | Uint8Array; headers: Record<string, string> }, address = "203.0.113.7"): Request {
  return new Request("http://localhost/api/webhooks/nango", {
    method: "POST",
    headers: { "x-forwarded-for": address, ...w.headers },
    body: typeof w.body === "string" ? w.body : Buffer.from(w.body),
  });
}

/** Posts, then applies the delivery (and only it: test files share one database). */
export async function deliverWebhook(w: { body: string | Uint8Array; headers: Record<string, string> }, address?: string): Promise<Delivered> {
  const answer = await acceptNangoWebhook(webhookRequest(w, address));
  const id = typeof answer.body.id === "string" ? answer.body.id : undefined;
  if (!id) return { status: answer.status, body: answer.body as Delivered["body"] };
  await applyPendingDeliveries({ ids: [id] });
  const row = await prisma.webhookDelivery.findUniqueOrThrow({ where: { id }, select: { outcome: true, reason: true } });
  return { status: answer.status, id, body: { outcome: row.outcome, ...(row.reason ? { reason: row.reason } : {}) } };
}
