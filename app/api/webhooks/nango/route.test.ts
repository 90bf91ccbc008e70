// The route hands the raw body and a plain header object to the handler (a Headers instance would fail
// the SDK's signature lookup, and a re-serialized body would fail the HMAC).
import { describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/client";
import { signWebhook } from "@/sandbox/nango";
import { POST, runtime } from "./route";

process.env.NANGO_WEBHOOK_SIGNING_KEY = "route-test-key";

describe("POST /api/webhooks/nango", () => {
  it("verifies Nango's signature over the exact raw body and answers with the outcome", async () => {
    expect(runtime).toBe("nodejs");
    const connectionId = `route-${crypto.randomUUID()}`;
    const { body, headers } = signWebhook({ connectionId, from: "slack", payload: { a: 1 }, providerConfigKey: "slack", type: "forward" }, "route-test-key");
    const res = await POST(new Request("http://localhost/api/webhooks/nango", { method: "POST", headers, body }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ outcome: "IGNORED" });
    expect(await prisma.webhookDelivery.count({ where: { connectionId, outcome: "IGNORED" } })).toBe(1);

    const forged = await POST(new Request("http://localhost/api/webhooks/nango", { method: "POST", headers: { ...headers, "X-Nango-Hmac-Sha256": "00" }, body }));
    expect(forged.status).toBe(401);
  });

  it("refuses a body over the cap with 413 without reading it all, whether announced or streamed, and writes only the log row", async () => {
    const before = await prisma.webhookDelivery.count({ where: { bodyHash: "unread", outcome: "REJECTED" } });
    const announced = await POST(
      new Request("http://localhost/api/webhooks/nango", { method: "POST", headers: { "content-length": String(10 * 1024 * 1024) }, body: "{}" }),
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
    const streamed = await POST(new Request("http://localhost/api/webhooks/nango", { method: "POST", body: endless, duplex: "half" } as RequestInit));
    expect(streamed.status).toBe(413);
    expect(await streamed.json()).toEqual({ error: expect.stringContaining("larger than") });
    expect(pulled).toBeLessThan(10);
    expect(await prisma.webhookDelivery.count({ where: { bodyHash: "unread", outcome: "REJECTED" } })).toBe(before + 2);
  });
});
