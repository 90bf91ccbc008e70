// Sending one AlertDelivery to its channel: Slack incoming webhook, signed generic webhook, or email. Every
// attempt is recorded on the row (attempts, lastError); a failed attempt throws so the queue retries it with
// backoff, and the last one leaves the row FAILED.
import { prisma } from "@/lib/db/client";
import { sendMail as mail } from "./mail";
import { signatureFor } from "./signature";

const TIMEOUT_MS = 10_000;

export type WebhookAlertBody = {
  id: string;
  event: string;
  organizationId: string;
  title: string;
  text: string;
  problem: { id: string; kind: string; subjectId: string; status: string; summary: string; details: unknown; openedAt: string; resolvedAt: string | null } | null;
  sentAt: string;
};

async function post(url: string, body: string, headers: Record<string, string>) {
  const res = await fetch(url, { method: "POST", body, headers: { "content-type": "application/json", ...headers }, signal: AbortSignal.timeout(TIMEOUT_MS), redirect: "manual" });
  if (!res.ok) throw new Error(`${url.replace(/\/\/[^/]*@/, "//")} answered ${res.status} ${(await res.text().catch(() => "")).slice(0, 200)}`.trim());
}

/** Sends the delivery now. `final`: no retry follows, so a failure marks it FAILED. */
export async function deliverAlert(deliveryId: string, { final }: { final: boolean }): Promise<void> {
  const d = await prisma.alertDelivery.findUnique({ where: { id: deliveryId }, include: { channel: true, problem: true } });
  if (!d || d.status === "SENT") return;
  const { channel } = d;
  try {
    if (channel.kind === "SLACK") {
      await post(channel.target, JSON.stringify({ text: `*${d.title}*\n${d.text}` }), {});
    } else if (channel.kind === "WEBHOOK") {
      const sentAt = new Date();
      const body: WebhookAlertBody = {
        id: d.id,
        event: d.event,
        organizationId: channel.organizationId,
        title: d.title,
        text: d.text,
        problem: d.problem && {
          id: d.problem.id,
          kind: d.problem.kind,
          subjectId: d.problem.subjectId,
          status: d.problem.status,
          summary: d.problem.summary,
          details: d.problem.details,
          openedAt: d.problem.openedAt.toISOString(),
          resolvedAt: d.problem.resolvedAt?.toISOString() ?? null,
        },
        sentAt: sentAt.toISOString(),
      };
      const raw = JSON.stringify(body);
      const timestamp = Math.floor(sentAt.getTime() / 1000);
      await post(channel.target, raw, {
        "x-atlas-event": d.event,
        "x-atlas-delivery": d.id,
        "x-atlas-timestamp": String(timestamp),
        "x-atlas-signature": signatureFor(channel.secret ?? "", raw, timestamp),
      });
    } else {
      await mail({ to: channel.target.split(",").map((s) => s.trim()).filter(Boolean), subject: `[Atlas] ${d.title}`, text: d.text });
    }
    await prisma.alertDelivery.update({ where: { id: d.id }, data: { status: "SENT", sentAt: new Date(), attempts: { increment: 1 }, lastError: null } });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    await prisma.alertDelivery.update({ where: { id: d.id }, data: { status: final ? "FAILED" : "PENDING", attempts: { increment: 1 }, lastError: message.slice(0, 1000) } });
    throw err;
  }
}
