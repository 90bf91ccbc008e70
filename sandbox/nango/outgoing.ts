// Webhooks out of the sandbox: which key signs them (Nango keeps the previous key for a while after a
// rotation: packages/shared/lib/services/customerKey.service.ts caches it), delivery, and the log tests read.
import type { Store } from "./state";
import { deliverWebhook, signWebhook, type WebhookPayload, type WebhookSent } from "./webhooks";

/** The key Nango signs with right now: the cached previous key until its cache entry expires. */
export function signingKeyInUse(store: Store): string {
  const { signing } = store;
  return signing.previous !== null && Date.now() < signing.previousUntil ? signing.previous : signing.current;
}

export function rotateSigningKey(store: Store, newKey: string): void {
  store.signing = { current: newKey, previous: signingKeyInUse(store), previousUntil: Date.now() + (store.opts.signingKeyCacheMs ?? 300_000) };
}

/**
 * Signs and delivers one webhook. `suppressedBy` names the environment setting that is off: the webhook is
 * then built and logged but, as in Nango (shouldSend), never delivered.
 */
export async function sendWebhook<P extends WebhookPayload>(store: Store, payload: P, suppressedBy?: string): Promise<WebhookSent<P>> {
  const signed = signWebhook(payload, signingKeyInUse(store));
  if (suppressedBy) {
    const sent: WebhookSent<P> = { ...signed, status: null, attempts: 0, payload, suppressed: `${suppressedBy} is off` };
    store.webhooks.push(sent);
    return sent;
  }
  const result = await deliverWebhook(store.webhookUrl, signed, {
    retries: store.opts.webhookRetries ?? 2,
    backoffMs: store.opts.webhookBackoffMs ?? 100,
    timeoutMs: store.opts.webhookTimeoutMs ?? 20_000,
  });
  const sent: WebhookSent<P> = { ...result, payload };
  store.webhooks.push(sent);
  return sent;
}
