// The route's work: refuse what is not Nango's cheaply, store what is in one INSERT, answer 2xx.
//
// Nango retries only 5xx and network errors (twice) and never a 4xx, so: a signed JSON object is always
// stored and answered 200 whatever it holds (applying it is the inbox worker's business, see inbox.ts); the
// database being unreachable is a 503, which Nango retries; 4xx is only for what cannot be Nango's
// (no/forged signature, over the size cap, not a JSON object).
import "server-only";
import { createHash, randomUUID } from "node:crypto";
import { pgPool } from "@/lib/db/pool";
import { errorFields, log } from "@/lib/log";
import { MAX_WEBHOOK_BYTES, parseObject, readBodyWithin, safeString } from "./body";
import { clientAddress, refuse } from "./forged";
import { wakeInbox } from "./wake";
import { signatureHeader, verifySignature } from "./signature";
import { webhookSettings } from "./settings";

export type WebhookAnswer = { status: number; body: Record<string, unknown>; headers?: Record<string, string> };

const tooMany = (retryAfter: number): WebhookAnswer => ({
  status: 429,
  body: { error: "too many unsigned or forged requests from this address" },
  headers: { "retry-after": String(retryAfter) },
});

/** The column value that orders one connection's deliveries: the id as the worker will read it, if usable. */
function connectionKey(value: unknown): string | null {
  if (typeof value !== "string") return null;
  const key = safeString(value);
  return key.length > 0 && key.length <= 256 ? key : null;
}

/** The route's entry (app/api/webhooks/nango, under `next dev`, and tests). */
export async function acceptNangoWebhook(req: Request): Promise<WebhookAnswer> {
  return acceptDelivery(req.headers, await readBodyWithin(req));
}

/**
 * A delivery's headers and body (null: over the size cap) checked, stored and answered: the one place for it,
 * whether the request came through Next's route or straight off node:http (node.ts).
 */
export async function acceptDelivery(headers: Headers, raw: Buffer | null): Promise<WebhookAnswer> {
  const settings = webhookSettings();
  const address = clientAddress(headers);
  if (raw === null) {
    const r = await refuse("oversized", address, settings.forgedPerMinute);
    return r.retryAfter ? tooMany(r.retryAfter) : { status: 413, body: { error: `body larger than ${MAX_WEBHOOK_BYTES} bytes` } };
  }
  const signature = signatureHeader(headers);
  if (!verifySignature(raw, signature, settings.signingKeys)) {
    const r = await refuse(signature ? "bad_signature" : "unsigned", address, settings.forgedPerMinute);
    return r.retryAfter ? tooMany(r.retryAfter) : { status: 401, body: { error: "missing or invalid X-Nango-Hmac-Sha256 signature" } };
  }

  const parsed = parseObject(raw);
  const bodyHash = createHash("sha256").update(raw).digest("hex");
  const id = randomUUID();
  try {
    if (!parsed.ok) {
      // Signed, yet not a JSON object: not something Nango sends. Logged (it is authentic) and refused.
      await pgPool.query(`INSERT INTO "WebhookDelivery" (id, outcome, reason, "bodyHash", "rawBody", "appliedAt") VALUES ($1, 'REJECTED', $2, $3, $4, now())`, [
        id,
        parsed.reason,
        bodyHash,
        raw,
      ]);
      return { status: 400, body: { error: parsed.reason } };
    }
    const type = typeof parsed.value.type === "string" ? safeString(parsed.value.type).slice(0, 100) : null;
    // On pg directly, as above: the one statement of the hot path (lib/db/pool.ts).
    await pgPool.query(`INSERT INTO "WebhookDelivery" (id, outcome, "bodyHash", "rawBody", type, "connectionId") VALUES ($1, 'RECEIVED', $2, $3, $4, $5)`, [
      id,
      bodyHash,
      raw,
      type,
      connectionKey(parsed.value.connectionId),
    ]);
  } catch (err) {
    log.error({ ...errorFields(err), component: "webhooks" }, "could not store a delivery; answering 503 so that Nango retries");
    return { status: 503, body: { error: "Atlas cannot store webhooks right now; retry later" }, headers: { "retry-after": "5" } };
  }
  wakeInbox();
  return { status: 200, body: { received: true, id } };
}
