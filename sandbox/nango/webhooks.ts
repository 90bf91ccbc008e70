// How Nango sends webhooks (packages/webhooks/lib/utils.ts): body serialized with sorted keys (stringifyStable),
// two signature headers, JSON; 2xx is delivered, 3xx/4xx is given up at once, 5xx and network errors are
// retried `retries` times with exponential backoff.
import { createHash, createHmac } from "node:crypto";
import type { NangoAuthWebhookBody, NangoForwardWebhookBody, NangoSyncWebhookBody } from "@nangohq/types";

export type SignedWebhook = { body: string; headers: Record<string, string> };
export type WebhookDeliveryResult = SignedWebhook & { status: number | null; error?: string; attempts: number };
export type WebhookPayload = NangoAuthWebhookBody | NangoSyncWebhookBody | NangoForwardWebhookBody;
/** A webhook the sandbox built; `suppressed` says why it was not delivered (an environment setting is off). */
export type WebhookSent<P extends WebhookPayload = WebhookPayload> = WebhookDeliveryResult & { payload: P; suppressed?: string };

/** JSON.stringify with object keys sorted at every depth, as Nango's stringifyStable does. */
export function stableStringify(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object" && !(value instanceof Date)) {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) sorted[key] = sortKeys((value as Record<string, unknown>)[key]);
    return sorted;
  }
  return value;
}

export function signWebhook(payload: unknown, signingKey: string): SignedWebhook {
  const body = stableStringify(payload);
  return {
    body,
    headers: {
      "content-type": "application/json",
      "x-nango-hmac-sha256": createHmac("sha256", signingKey).update(body).digest("hex"),
      // Legacy header, still sent by Nango: sha256(key + body), verifiable with verifyWebhookSignature().
      "x-nango-signature": createHash("sha256").update(`${signingKey}${body}`).digest("hex"),
    },
  };
}

/** Network failures Nango retries (its `networkError` list); anything else without a response is given up. */
const RETRIED_NETWORK_ERRORS = new Set(["ECONNRESET", "ETIMEDOUT", "ECONNABORTED", "ECONNREFUSED", "EHOSTUNREACH", "EAI_AGAIN", "UND_ERR_SOCKET"]);

function networkErrorCode(err: unknown): string | undefined {
  if (err instanceof DOMException && err.name === "TimeoutError") return "ECONNABORTED"; // axios' timeout code
  const cause = (err as { cause?: { code?: string } })?.cause;
  return cause?.code ?? (err as { code?: string })?.code;
}

export type DeliveryOptions = { retries?: number; backoffMs?: number; timeoutMs?: number };

/** POSTs a signed webhook the way Nango's deliver() does, retrying only 5xx answers and network errors. */
export async function deliverWebhook(
  url: string | undefined,
  webhook: SignedWebhook,
  { retries = 2, backoffMs = 100, timeoutMs = 20_000 }: DeliveryOptions = {},
): Promise<WebhookDeliveryResult> {
  if (!url) return { ...webhook, status: null, attempts: 0 };
  let last: WebhookDeliveryResult = { ...webhook, status: null, attempts: 0 };
  for (let attempt = 1; attempt <= retries + 1; attempt++) {
    let retry: boolean;
    try {
      const res = await fetch(url, { method: "POST", headers: webhook.headers, body: webhook.body, redirect: "manual", signal: AbortSignal.timeout(timeoutMs) });
      await res.arrayBuffer();
      last = { ...webhook, status: res.status, attempts: attempt };
      if (res.ok) return last;
      retry = res.status >= 500 || res.status < 300; // 3xx and 4xx: "status_code_<n>", not retried
    } catch (err) {
      const code = networkErrorCode(err);
      last = { ...webhook, status: null, error: code ?? String(err), attempts: attempt };
      retry = code !== undefined && RETRIED_NETWORK_ERRORS.has(code);
    }
    if (!retry) return last;
    if (attempt <= retries) await new Promise((r) => setTimeout(r, backoffMs * 2 ** (attempt - 1)));
  }
  return last;
}
