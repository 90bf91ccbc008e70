// Nango's webhooks. The route stores each signed delivery (accept.ts); the inbox worker applies it
// (inbox.ts → dispatch.ts → auth.ts / sync.ts / forward.ts) and records the outcome in WebhookDelivery:
//   RECEIVED   stored, not applied yet
//   APPLIED    the webhook changed Atlas's state
//   DUPLICATE  a redelivery of a webhook already applied; nothing changed
//   IGNORED    authentic and well-formed, but nothing to do (forward webhooks, unknown connection, ...)
//   REJECTED   authentic but malformed, or contradicting Atlas's tenancy
// Unsigned and forged requests are never stored: they are counted in memory (forged.ts).
import "server-only";
export { acceptNangoWebhook, type WebhookAnswer } from "./accept";
export { answerNangoWebhook, isNangoWebhook } from "./node";
export { MAX_WEBHOOK_BYTES } from "./body";
export { forgedStats, type ForgedStats } from "./forged";
export { applyPendingDeliveries, startInboxWorker } from "./inbox";
export { replayDelivery } from "./replay";
export { webhookSettings } from "./settings";
export { failureSyncIdFor, syncIdFor } from "./sync";
