// How Nango sends webhooks (nango.md §3): keys sorted (stringifyStable), two signature headers, JSON.
import { createHash, createHmac } from "node:crypto";

export type SignedWebhook = { body: string; headers: Record<string, string> };
export type WebhookDeliveryResult = SignedWebhook & { status: number | null; error?: string; attempts: number };

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

/** POSTs a signed webhook; like Nango, a non-2xx answer is retried (twice by default) with backoff. */
export async function deliverWebhook(
  url: string | undefined,
  webhook: SignedWebhook,
  { retries = 2, backoffMs = 100 }: { retries?: number; backoffMs?: number } = {},
): Promise<WebhookDeliveryResult> {
  if (!url) return { ...webhook, status: null, attempts: 0 };
  let last: WebhookDeliveryResult = { ...webhook, status: null, attempts: 0 };
  for (let attempt = 1; attempt <= retries + 1; attempt++) {
    try {
      const res = await fetch(url, { method: "POST", headers: webhook.headers, body: webhook.body, signal: AbortSignal.timeout(20_000) });
      await res.arrayBuffer();
      last = { ...webhook, status: res.status, attempts: attempt };
      if (res.ok) return last;
    } catch (err) {
      last = { ...webhook, status: null, error: String(err), attempts: attempt };
    }
    if (attempt <= retries) await new Promise((r) => setTimeout(r, backoffMs * 2 ** (attempt - 1)));
  }
  return last;
}
