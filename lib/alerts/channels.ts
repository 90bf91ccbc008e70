// An organization's notification channels (admins only): Slack incoming webhook, signed generic webhook,
// email (when SMTP is configured). Every change is audited; "Send test" queues one message like a real alert.
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { recordAudit } from "@/lib/audit/record";
import { prisma, type AlertChannelKind } from "@/lib/db/client";
import type { Scope } from "@/lib/data/scope";
import { ConflictError, ForbiddenError, NotFoundError } from "@/lib/errors";
import { dispatchDeliveries, queueMessages } from "./dispatch";
import { smtpConfigured } from "./mail";

export const DELIVERY_LOG_SIZE = 20;

/** https only, except for this machine (local receivers in development and tests). */
const hookUrl = z
  .url({ protocol: /^https?$/, error: "Enter the full URL, starting with https://." })
  .max(2000)
  .refine((u) => {
    const { protocol, hostname } = new URL(u);
    return protocol === "https:" || ["localhost", "127.0.0.1", "[::1]"].includes(hostname);
  }, "The URL must start with https:// (plain http only for localhost).");

const emails = z
  .string()
  .trim()
  .min(1, "Enter at least one email address.")
  .max(1000)
  .transform((v) => v.split(/[,\s]+/).filter(Boolean))
  .pipe(z.array(z.email({ error: "One of the email addresses is not valid." })).max(20))
  .transform((list) => list.join(", "));

export const channelInput = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("SLACK"), name: z.string().trim().min(1).max(100), target: hookUrl }),
  z.object({ kind: z.literal("WEBHOOK"), name: z.string().trim().min(1).max(100), target: hookUrl }),
  z.object({ kind: z.literal("EMAIL"), name: z.string().trim().min(1).max(100), target: emails }),
]);

function admin(scope: Scope) {
  if (scope.role !== "ADMIN") throw new ForbiddenError("Only administrators can manage alert channels.");
}

const target = (c: { id: string; name: string; kind: AlertChannelKind }) => ({ type: "alertChannel", id: c.id, label: `${c.kind} ${c.name}` });

export async function createChannel(scope: Scope, raw: z.input<typeof channelInput>) {
  admin(scope);
  const input = channelInput.parse(raw);
  if (input.kind === "EMAIL" && !smtpConfigured()) throw new ConflictError("Email alerts need an SMTP server: set SMTP_URL (and SMTP_FROM).");
  return prisma.$transaction(async (tx) => {
    const channel = await tx.alertChannel.create({
      data: { organizationId: scope.organizationId, ...input, secret: input.kind === "WEBHOOK" ? `whsec_${randomBytes(24).toString("hex")}` : null },
    });
    // The URL and secret are credentials: the audit trail names the channel, not them.
    await recordAudit(tx, { organizationId: scope.organizationId, action: "alerts.channel_created", target: target(channel), after: { kind: channel.kind, name: channel.name } });
    return channel;
  });
}

async function ownChannel(scope: Scope, id: string) {
  admin(scope);
  const channel = await prisma.alertChannel.findFirst({ where: { id, organizationId: scope.organizationId } });
  if (!channel) throw new NotFoundError("No such alert channel.");
  return channel;
}

export async function setChannelEnabled(scope: Scope, id: string, enabled: boolean) {
  const channel = await ownChannel(scope, id);
  await prisma.$transaction(async (tx) => {
    await tx.alertChannel.update({ where: { id }, data: { enabled } });
    await recordAudit(tx, { organizationId: scope.organizationId, action: "alerts.channel_updated", target: target(channel), before: { enabled: channel.enabled }, after: { enabled } });
  });
}

export async function deleteChannel(scope: Scope, id: string) {
  const channel = await ownChannel(scope, id);
  await prisma.$transaction(async (tx) => {
    await tx.alertChannel.delete({ where: { id } });
    await recordAudit(tx, { organizationId: scope.organizationId, action: "alerts.channel_deleted", target: target(channel), before: { kind: channel.kind, name: channel.name } });
  });
}

/** One test message to this channel, through the same delivery path (queue, retries, log) as real alerts. */
export async function sendTestMessage(scope: Scope, id: string): Promise<string> {
  const channel = await ownChannel(scope, id);
  const [deliveryId] = await prisma.$transaction((tx) =>
    queueMessages(tx, scope.organizationId, null, "test", "Test alert from Atlas", `This is a test of the "${channel.name}" channel. Alerts about expired connections, failing or stalled syncs and auto-pauses arrive like this.`, channel.id),
  );
  if (!deliveryId) throw new ConflictError("This channel is turned off; turn it on to test it.");
  await dispatchDeliveries([deliveryId]);
  return deliveryId;
}

/** The settings page: channels with their latest deliveries, and the open problems. */
export async function loadAlertsPage(scope: Scope) {
  admin(scope);
  const [channels, problems] = await Promise.all([
    prisma.alertChannel.findMany({
      where: { organizationId: scope.organizationId },
      orderBy: { createdAt: "asc" },
      include: { deliveries: { orderBy: { createdAt: "desc" }, take: DELIVERY_LOG_SIZE } },
    }),
    prisma.alertProblem.findMany({ where: { organizationId: scope.organizationId, status: "OPEN" }, orderBy: { openedAt: "desc" }, take: 100 }),
  ]);
  return { channels, problems, smtp: smtpConfigured() };
}
