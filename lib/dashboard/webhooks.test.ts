import { createHash, randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { prisma, type WebhookOutcome } from "@/lib/db/client";
import { createConnection, createOrg, createUser } from "@/lib/test/factory";
import { deliverWebhook, webhookRequest } from "@/lib/test/webhooks";
import { acceptNangoWebhook } from "@/lib/nango/webhooks";
import { signWebhook } from "@/sandbox/nango";
import { getWebhookDelivery, listWebhookDeliveries, parseWebhookFilters, WEBHOOK_PAGE_SIZE } from "./webhooks";

async function delivery(organizationId: string | null, outcome: WebhookOutcome, connectionId: string | null, receivedAt: Date) {
  return prisma.webhookDelivery.create({
    data: {
      organizationId,
      outcome,
      connectionId,
      type: outcome === "REJECTED" ? null : "sync",
      reason: outcome === "REJECTED" ? "missing or invalid X-Nango-Hmac-Sha256 signature" : null,
      bodyHash: createHash("sha256").update(randomUUID()).digest("hex"),
      receivedAt,
      payload: outcome === "REJECTED" ? undefined : { type: "sync", syncName: "issues", model: "Issue", success: true, responseResults: { added: 3, updated: 1, deleted: 0 } },
    },
  });
}

async function orgWithDeliveries(n: number) {
  const org = await createOrg();
  const admin = await createUser(org.id, { role: "ADMIN" });
  const connection = await createConnection(admin, { metadata: { accountName: "octo-org" } });
  const start = Date.UTC(2026, 5, 1);
  for (let i = 0; i < n; i++) {
    await delivery(org.id, i % 3 === 0 ? "DUPLICATE" : "APPLIED", connection.connectionId, new Date(start + Math.floor(i / 2) * 1000));
  }
  return { org, scope: { organizationId: org.id, userId: admin.id, role: "ADMIN" as const }, connection };
}

describe("webhook log", () => {
  it("pages through an organization's deliveries newest first, each exactly once, with its connection", async () => {
    const { scope, connection } = await orgWithDeliveries(WEBHOOK_PAGE_SIZE + 7);
    const seen: string[] = [];
    let cursor: string | undefined;
    let previous = Infinity;
    do {
      const page = await listWebhookDeliveries(scope, parseWebhookFilters({ cursor }));
      for (const row of page.rows) {
        expect(row.receivedAt.getTime()).toBeLessThanOrEqual(previous);
        previous = row.receivedAt.getTime();
        expect(row.connection).toEqual({ id: connection.id, provider: "GITHUB", accountName: "octo-org" });
        expect(row.summary).toBe("issues (Issue) · 3 added, 1 updated, 0 deleted");
        seen.push(row.id);
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toHaveLength(WEBHOOK_PAGE_SIZE + 7);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it("never shows another organization's deliveries, and filters by outcome", async () => {
    const a = await orgWithDeliveries(6);
    const b = await orgWithDeliveries(4);
    const pageA = await listWebhookDeliveries(a.scope, parseWebhookFilters({}));
    expect(pageA.rows).toHaveLength(6);
    expect(pageA.counts).toMatchObject({ APPLIED: 4, DUPLICATE: 2, IGNORED: 0, REJECTED: 0 });
    const dupes = await listWebhookDeliveries(b.scope, parseWebhookFilters({ outcome: "DUPLICATE" }));
    expect(dupes.rows.map((r) => r.outcome)).toEqual(["DUPLICATE", "DUPLICATE"]);
    expect(dupes.rows.every((r) => r.connection?.id === b.connection.id)).toBe(true);
    // A bad filter is ignored rather than failing the page.
    expect((await listWebhookDeliveries(a.scope, parseWebhookFilters({ outcome: "NOPE", cursor: "%%%" }))).rows).toHaveLength(6);
  });

  it("shows unattributed rejections by their reason only", async () => {
    const { scope } = await orgWithDeliveries(1);
    const rejected = await delivery(null, "REJECTED", null, new Date(Date.UTC(2100, 0, 1)));
    const page = await listWebhookDeliveries(scope, parseWebhookFilters({}));
    expect(page.rows.some((r) => r.id === rejected.id)).toBe(false);
    expect(page.unattributed[0]).toEqual({ id: rejected.id, receivedAt: rejected.receivedAt, reason: rejected.reason });
    await prisma.webhookDelivery.delete({ where: { id: rejected.id } });
  });

  it("opens one delivery of the organization with its payload as read (NUL shown as U+FFFD) and its replays; not another organization's", async () => {
    process.env.NANGO_WEBHOOK_SIGNING_KEY = "whsec-dashboard";
    const { scope, connection } = await orgWithDeliveries(0);
    const payload = { connectionId: connection.connectionId, from: "slack", payload: { text: "a\u0000b" }, providerConfigKey: "slack", type: "forward" };
    const delivered = await deliverWebhook(signWebhook(payload, "whsec-dashboard"));
    const view = await getWebhookDelivery(scope, delivered.id!);
    expect(view).toMatchObject({
      outcome: "IGNORED",
      type: "forward",
      payload: { ...payload, payload: { text: "a\ufffdb" } },
      canReplay: true,
      connection: { id: connection.id, provider: "GITHUB", accountName: "octo-org" },
      replays: [],
    });
    expect(view!.bodyBytes).toBe(Buffer.byteLength(signWebhook(payload, "whsec-dashboard").body));
    expect(await getWebhookDelivery({ organizationId: (await createOrg()).id }, delivered.id!)).toBeNull();
  });

  it("counts requests refused at the door (stored nowhere) for admins", async () => {
    process.env.NANGO_WEBHOOK_SIGNING_KEY = "whsec-dashboard";
    const { scope } = await orgWithDeliveries(0);
    const before = (await listWebhookDeliveries(scope, parseWebhookFilters({}))).forged;
    await acceptNangoWebhook(webhookRequest({ body: "{}", headers: {} }, "192.0.2.90"));
    await acceptNangoWebhook(webhookRequest({ body: "{}", headers: { "x-nango-hmac-sha256": "ab".repeat(32) } }, "192.0.2.90"));
    const after = (await listWebhookDeliveries(scope, parseWebhookFilters({}))).forged;
    expect(after.counts.unsigned).toBe(before.counts.unsigned + 1);
    expect(after.counts.bad_signature).toBe(before.counts.bad_signature + 1);
    expect(after.total).toBe(before.total + 2);
  });
});
