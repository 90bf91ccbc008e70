// Forged traffic costs almost nothing: no database row, a count in memory, 429 per address beyond the limit,
// and never a refusal of a correctly signed delivery because of where it came from.
import { createHash, randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/client";
import { webhookRequest } from "@/lib/test/webhooks";
import { signWebhook } from "@/sandbox/nango";
import { acceptNangoWebhook, forgedStats } from ".";

process.env.NANGO_WEBHOOK_SIGNING_KEY = "whsec-forged";
process.env.ATLAS_WEBHOOK_FORGED_PER_MINUTE = "3";

describe("unsigned and forged requests", () => {
  it("write no row, are counted, and are answered 429 per address beyond the limit; a signed delivery from that address still gets in", async () => {
    const before = forgedStats();
    const address = `198.51.100.${Math.floor(Math.random() * 250)}`;
    const bodies = Array.from({ length: 5 }, () => JSON.stringify({ type: "sync", connectionId: randomUUID() }));
    const statuses: number[] = [];
    for (const body of bodies) {
      const res = await acceptNangoWebhook(webhookRequest({ body, headers: { "x-nango-hmac-sha256": "0".repeat(64) } }, address));
      statuses.push(res.status);
      if (res.status === 429) expect(Number(res.headers?.["retry-after"])).toBeGreaterThan(0);
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    const hashes = bodies.map((b) => createHash("sha256").update(b).digest("hex"));
    expect(await prisma.webhookDelivery.count({ where: { bodyHash: { in: hashes } } })).toBe(0);

    // Another address has its own allowance.
    expect((await acceptNangoWebhook(webhookRequest({ body: "{}", headers: {} }, `${address}0`))).status).toBe(401);
    // Nango's own delivery from the limited address is verified and stored.
    const genuine = signWebhook({ type: "forward", connectionId: randomUUID(), from: "slack", payload: {} }, "whsec-forged");
    expect((await acceptNangoWebhook(webhookRequest(genuine, address))).status).toBe(200);

    const after = forgedStats();
    expect(after.counts.bad_signature - before.counts.bad_signature).toBe(3);
    expect(after.counts.unsigned - before.counts.unsigned).toBe(1);
    expect(after.counts.rate_limited - before.counts.rate_limited).toBe(2);
  });
});
