// Sandbox controls under /_sandbox/ (not Nango's API): what Nango or the user would do on their own — click
// Authorize in the Connect UI, finish or fail a sync, refuse a token refresh, forward a provider webhook.
import type { Context } from "hono";
import { apiError, NangoApiError } from "../errors";
import { jsonBody, newApp, type Auth } from "../http";
import type { WebhookSent } from "../webhooks";

export type Controls = {
  authorize(token: string, integrationId?: string): Promise<{ providerConfigKey: string; connectionId: string; webhook: WebhookSent }>;
  failAuthorization(token: string, error: { type?: string; description?: string }, integrationId?: string): Promise<{ connectionId: string; webhook: WebhookSent }>;
  simulateSync(connectionId: string, input: Record<string, unknown>): Promise<{ webhook: WebhookSent } & Record<string, unknown>>;
  failSync(connectionId: string, input: Record<string, unknown>): Promise<{ webhook: WebhookSent }>;
  expireConnection(connectionId: string, description?: string): Promise<{ webhook: WebhookSent }>;
  forwardWebhook(connectionId: string, payload: unknown): Promise<{ webhook: WebhookSent }>;
};

const summary = (w: WebhookSent) => ({ payload: w.payload, status: w.status, ...(w.suppressed ? { suppressed: w.suppressed } : {}) });

/** Sandbox refusals (a paused sync, an unknown model) are 409s; Nango-shaped errors pass through. */
async function attempt<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof NangoApiError) throw err;
    throw apiError(409, "conflict", err instanceof Error ? err.message : String(err));
  }
}

export function controlRoutes(auth: Auth, controls: Controls) {
  const app = newApp();
  const input = async (c: Context) => ((await jsonBody(c)) ?? {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === "string" ? v : undefined);

  app.post("/_sandbox/connect/authorize", auth("session"), async (c) => {
    const body = await input(c);
    const { providerConfigKey, connectionId, webhook } = await controls.authorize(c.get("session")!.token, str(body.integration_id));
    return c.json({ providerConfigKey, connectionId, webhookStatus: webhook.status });
  });
  app.post("/_sandbox/connect/fail", auth("session"), async (c) => {
    const body = await input(c);
    const error = { type: str(body.type), description: str(body.description) };
    const { connectionId, webhook } = await attempt(() => controls.failAuthorization(c.get("session")!.token, error, str(body.integration_id)));
    return c.json({ connectionId, webhook: summary(webhook) });
  });
  app.post("/_sandbox/connections/:connectionId/:action{sync|fail-sync|expire|forward}", auth("secret"), async (c) => {
    const connectionId = c.req.param("connectionId");
    const body = await input(c);
    const done = await attempt(() => {
      switch (c.req.param("action")) {
        case "sync":
          return controls.simulateSync(connectionId, body);
        case "fail-sync":
          return controls.failSync(connectionId, body);
        case "expire":
          return controls.expireConnection(connectionId, str(body.description));
        default:
          return controls.forwardWebhook(connectionId, body.payload ?? body);
      }
    });
    const webhooks = (done as { webhooks?: WebhookSent[] }).webhooks;
    return c.json({ ...done, webhook: summary(done.webhook), ...(webhooks ? { webhooks: webhooks.map(summary) } : {}) });
  });
  return app;
}
