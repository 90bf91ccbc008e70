// The production server's webhook path (node.ts, scripts/server.ts): over real HTTP, the same answers and
// the same stored row as the route, and the size cap kept without buffering what is over it.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/client";
import { signWebhook } from "@/sandbox/nango";
import { MAX_WEBHOOK_BYTES } from "./body";
import { answerNangoWebhook, isNangoWebhook } from "./node";

const KEY = "whsec-node-path";
process.env.NANGO_WEBHOOK_SIGNING_KEY = KEY;
delete process.env.NANGO_WEBHOOK_PREVIOUS_SIGNING_KEY;

let server: http.Server;
let base: string;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (isNangoWebhook(req)) void answerNangoWebhook(req, res);
    else res.writeHead(404).end("next would answer this");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const post = (body: BodyInit, headers: Record<string, string> = {}, path = "/api/webhooks/nango") =>
  fetch(`${base}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body, duplex: "half" } as RequestInit);

describe("Nango's webhooks off node:http", () => {
  it("stores a signed delivery (query string or not) and answers 200 with its id and the API headers; refuses an unsigned one and stores nothing", async () => {
    const connectionId = `node-${randomUUID()}`;
    const signed = signWebhook({ type: "sync", connectionId, from: "nango", success: true }, KEY);
    const res = await post(signed.body, signed.headers, "/api/webhooks/nango?source=nango");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(res.headers.get("content-encoding")).toBeNull();
    const { id } = (await res.json()) as { id: string };
    const row = await prisma.webhookDelivery.findUniqueOrThrow({ where: { id }, select: { outcome: true, connectionId: true, rawBody: true } });
    expect(row).toMatchObject({ outcome: "RECEIVED", connectionId });
    expect(Buffer.from(row.rawBody!).toString()).toBe(signed.body);

    const forged = await post(JSON.stringify({ type: "sync", connectionId: `${connectionId}-forged` }), { "x-nango-hmac-sha256": "00".repeat(32) });
    expect(forged.status).toBe(401);
    expect(await prisma.webhookDelivery.count({ where: { connectionId: `${connectionId}-forged` } })).toBe(0);
  });

  it("answers 413 to a body over the cap, declared or streamed without a length", async () => {
    const big = Buffer.alloc(MAX_WEBHOOK_BYTES + 1, "a");
    expect((await post(big)).status).toBe(413);
    const chunks = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 5; i++) c.enqueue(new Uint8Array(MAX_WEBHOOK_BYTES / 4));
        c.close();
      },
    });
    expect((await post(chunks)).status).toBe(413);
  });

  it("limits refusals by the socket's address when no proxy names one, as Next's server does", async () => {
    const forged = (headers: Record<string, string> = {}) => post("{}", { "x-nango-hmac-sha256": "00".repeat(32), ...headers }).then((r) => r.status);
    const statuses: number[] = [];
    // The allowance of 127.0.0.1 spent, named by a header ...
    for (let i = 0; i < 40; i++) statuses.push(await forged({ "x-forwarded-for": "127.0.0.1" }));
    expect(statuses.at(-1)).toBe(429);
    // ... then the same client without one: still 127.0.0.1 (not one "unknown" address shared by everybody).
    expect(await forged()).toBe(429);
    expect(await forged({ "x-forwarded-for": "198.51.100.4" })).toBe(401);
  });

  it("leaves every other request to Next", async () => {
    expect((await fetch(`${base}/api/webhooks/nango`)).status).toBe(404);
    expect((await post("{}", {}, "/api/webhooks/nangoX")).status).toBe(404);
  });
});
