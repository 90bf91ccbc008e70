// The route hands the raw body and the headers to lib/nango/webhooks: a re-serialized body would fail the
// HMAC. It stores a signed delivery and answers 200; the inbox applies it afterwards.
import { describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/client";
import { applyPendingDeliveries, forgedStats } from "@/lib/nango/webhooks";
import { signWebhook } from "@/sandbox/nango";
import { config as proxyConfig } from "@/proxy";
import { POST, runtime } from "./route";

process.env.NANGO_WEBHOOK_SIGNING_KEY = "route-test-key";
const URL = "http://localhost/api/webhooks/nango";

describe("POST /api/webhooks/nango", () => {
  it("is the one path the proxy (CSP nonce per request) skips", () => {
    const matches = (p: string) => proxyConfig.matcher.some((m) => new RegExp(`^${m}$`).test(p));
    expect(matches("/api/webhooks/nango")).toBe(false);
    expect(matches("/api/webhooks/nango/")).toBe(false);
    for (const p of ["/", "/connections", "/api/health", "/webhooks", "/api/webhooks"]) expect(matches(p), p).toBe(true);
  });

  it("verifies Nango's signature over the exact raw body, stores the delivery, answers 200; the inbox applies it", async () => {
    expect(runtime).toBe("nodejs");
    const connectionId = `route-${crypto.randomUUID()}`;
    const { body, headers } = signWebhook({ connectionId, from: "slack", payload: { a: 1 }, providerConfigKey: "slack", type: "forward" }, "route-test-key");
    const res = await POST(new Request(URL, { method: "POST", headers, body }));
    expect(res.status).toBe(200);
    // proxy.ts skips this route: its fixed headers are its own.
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    // no-transform: Next would gzip the 40-byte answer otherwise.
    expect(res.headers.get("cache-control")).toBe("no-store, no-transform");
    expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    const answer = (await res.json()) as { received: boolean; id: string };
    expect(answer).toEqual({ received: true, id: expect.any(String) });
    expect(await prisma.webhookDelivery.findUniqueOrThrow({ where: { id: answer.id } })).toMatchObject({ outcome: "RECEIVED", connectionId });

    expect(await applyPendingDeliveries({ ids: [answer.id] })).toBe(1);
    expect(await prisma.webhookDelivery.findUniqueOrThrow({ where: { id: answer.id } })).toMatchObject({ outcome: "IGNORED", type: "forward", connectionId });

    const forged = await POST(new Request(URL, { method: "POST", headers: { ...headers, "X-Nango-Hmac-Sha256": "00", "x-forwarded-for": "192.0.2.44" }, body }));
    expect(forged.status).toBe(401);
    expect(forged.headers.get("x-content-type-options")).toBe("nosniff");
    expect(await prisma.webhookDelivery.count({ where: { id: { not: answer.id }, connectionId } })).toBe(0);
  });

  it("refuses a body over the cap with 413 without reading it all, whether announced or streamed, and writes nothing", async () => {
    const before = forgedStats().counts.oversized;
    const announced = await POST(
      new Request(URL, { method: "POST", headers: { "content-length": String(10 * 1024 * 1024), "x-forwarded-for": "192.0.2.45" }, body: "{}" }),
    );
    expect(announced.status).toBe(413);

    // A chunked body that never says its length: reading stops at the cap, the rest is never pulled.
    let pulled = 0;
    const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(chunk);
      },
    });
    const streamed = await POST(new Request(URL, { method: "POST", body: endless, headers: { "x-forwarded-for": "192.0.2.45" }, duplex: "half" } as RequestInit));
    expect(streamed.status).toBe(413);
    expect(await streamed.json()).toEqual({ error: expect.stringContaining("larger than") });
    expect(pulled).toBeLessThan(10);
    // Counted in memory, not in the database.
    expect(forgedStats().counts.oversized).toBe(before + 2);
  });
});
