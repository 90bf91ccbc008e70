// Connect sessions, the Connect UI page and the integrations list (packages/server/lib/controllers/connect/).
import type { GetPublicListIntegrations, PostConnectSessions, PostPublicConnectSessionsReconnect } from "@nangohq/types";
import { z } from "zod";
import { newSession } from "../auth-flows";
import { connectUiHtml } from "../connect-ui";
import { apiError, parseOr } from "../errors";
import { jsonBody, newApp, type Auth } from "../http";
import { publicIntegration, type ConnectSession, type Store } from "../state";

const TAG_KEY = /^[a-zA-Z][a-zA-Z0-9_\-./]*$/;
const tagsSchema = z
  .record(z.string().max(64).regex(TAG_KEY), z.string().max(255))
  .refine((tags) => Object.keys(tags).length <= 10, "at most 10 tags");
const endUserSchema = z.object({
  id: z.string().min(1).max(255),
  email: z.email().optional(),
  display_name: z.string().max(255).optional(),
  tags: tagsSchema.optional(),
});
const organizationSchema = z.object({ id: z.string().min(1).max(255), display_name: z.string().max(255).optional() });
const sessionBodyFields = {
  end_user: endUserSchema.optional(),
  organization: organizationSchema.optional(),
  allowed_integrations: z.array(z.string().min(1)).optional(),
  integrations_config_defaults: z.record(z.string(), z.unknown()).optional(),
  tags: tagsSchema.optional(),
  overrides: z.record(z.string(), z.unknown()).optional(),
  webhook_url_override: z.url().optional(),
};
const postSessionSchema = z
  .object(sessionBodyFields)
  .strict()
  .refine((b) => b.end_user !== undefined || b.tags !== undefined, { message: "end_user or tags is required", path: ["end_user"] });
const reconnectSchema = z
  .object({ ...sessionBodyFields, connection_id: z.string().min(1), integration_id: z.string().min(1) })
  .omit({ allowed_integrations: true })
  .strict();

type SessionSuccess = PostConnectSessions["Success"] & PostPublicConnectSessionsReconnect["Success"];

export function connectRoutes(store: Store, auth: Auth) {
  const app = newApp();
  const sessionReply = (s: ConnectSession): SessionSuccess => ({
    data: {
      token: s.token,
      connect_link: `${store.opts.publicUrl ?? store.baseUrl}/connect/?session_token=${s.token}`,
      expires_at: s.expiresAt.toISOString(),
    },
  });

  app.get("/connect", (c) => c.html(connectUiHtml()));

  app.post("/connect/sessions", auth("secret"), async (c) => {
    const input = parseOr(postSessionSchema, await jsonBody(c), "invalid_body");
    return c.json(sessionReply(newSession(store, input)), 201);
  });

  app.post("/connect/sessions/reconnect", auth("secret"), async (c) => {
    const input = parseOr(reconnectSchema, await jsonBody(c), "invalid_body");
    const conn = store.connections.get(input.connection_id);
    if (!conn || conn.integration.uniqueKey !== input.integration_id) throw apiError(400, "invalid_body", "ConnectionID or IntegrationId does not exists");
    const endUser = conn.endUser;
    const session = newSession(store, {
      end_user: input.end_user ?? (endUser ? { id: endUser.id, email: endUser.email ?? undefined, display_name: endUser.display_name ?? undefined } : undefined),
      organization: input.organization,
      tags: input.tags,
      allowed_integrations: [input.integration_id],
      reconnect: { connectionId: conn.connectionId, integrationId: input.integration_id },
    });
    return c.json(sessionReply(session), 201);
  });

  // What the Connect UI reads about its own session (sandbox page only; not typed as Nango's UI differs).
  app.get("/connect/session", auth("session"), (c) => {
    const session = c.get("session")!;
    return c.json({
      data: {
        allowed_integrations: session.allowedIntegrations ?? undefined,
        endUser: session.endUser,
        tags: session.tags,
        isReconnecting: session.reconnect !== null,
        connectUISettings: { theme: { light: { primary: "#111827" }, dark: { primary: "#f9fafb" } }, showWatermark: false },
      },
    });
  });

  app.get("/integrations", auth("either"), (c) => {
    const body: GetPublicListIntegrations["Success"] = { data: store.integrations.map((i) => publicIntegration(store, i)) };
    return c.json(body);
  });
  return app;
}
