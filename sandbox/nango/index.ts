// Nango sandbox: a local HTTP stand-in for Nango's API, Connect UI and webhooks. See server.ts.
export { startNangoSandbox, DEFAULT_INTEGRATIONS } from "./server";
export type { NangoSandbox, NangoSandboxOptions, SandboxIntegration, SyncChanges, SyncSpec, WebhookSent, WebhookSettings } from "./server";
export { signWebhook, stableStringify } from "./webhooks";
