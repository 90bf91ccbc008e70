// Nango's webhooks straight off node:http, ahead of Next's request handling (scripts/server.ts, the
// production server): the same checks, INSERT and answer as the route (accept.ts, acceptDelivery), without
// Next's work per request (routing, web streams, request stores), which cost more CPU than the webhook
// itself. `npm run bench -- --webhooks`: 460/s through the route under `next start`, see the README for this path.
import "server-only";
import type { IncomingMessage, ServerResponse } from "node:http";
import { API_HEADERS } from "@/lib/security-headers";
import { errorFields, log } from "@/lib/log";
import { acceptDelivery, type WebhookAnswer } from "./accept";
import { MAX_WEBHOOK_BYTES } from "./body";

export const NANGO_WEBHOOK_PATH = "/api/webhooks/nango";

/** Whether this request is Nango's webhook (a POST to the route's path, with or without a query). */
export const isNangoWebhook = (req: IncomingMessage) => req.method === "POST" && (req.url === NANGO_WEBHOOK_PATH || req.url?.startsWith(`${NANGO_WEBHOOK_PATH}?`) === true);

export async function answerNangoWebhook(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === "string") headers.set(name, value);
    else if (Array.isArray(value)) for (const v of value) headers.append(name, v);
  }
  // As Next's server does when no proxy said: the socket's address (forged.ts limits refusals per address).
  if (!headers.has("x-forwarded-for") && req.socket.remoteAddress) headers.set("x-forwarded-for", req.socket.remoteAddress);
  let raw: Buffer | null;
  try {
    raw = await bodyWithin(req, MAX_WEBHOOK_BYTES);
  } catch {
    // The request broke off (the body never came whole): nobody is left to answer, and nothing was stored.
    res.destroy();
    return;
  }
  let answer: WebhookAnswer;
  try {
    answer = await acceptDelivery(headers, raw);
  } catch (err) {
    log.error({ ...errorFields(err), component: "webhooks" }, "a webhook could not be handled");
    answer = { status: 500, body: { error: "internal error" } };
  }
  const json = JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    ...API_HEADERS,
    ...answer.headers,
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(json),
    // What was not read of an oversized body (413, or 429 once the address is over its allowance) is not waited for.
    ...(raw === null ? { Connection: "close" } : {}),
  });
  res.end(json);
}

/** The body's bytes, no further than `limit` (null past it, as body.ts readBodyWithin for a web Request). */
function bodyWithin(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume(); // discarded, not buffered
    return Promise.resolve(null);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off("data", onData);
        req.resume();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    };
    req.on("data", onData);
    req.once("end", () => resolve(size > limit ? null : Buffer.concat(chunks)));
    req.once("aborted", () => reject(new Error("request aborted")));
    req.once("error", reject);
  });
}
