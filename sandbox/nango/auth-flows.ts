// Connect sessions and what happens to connections around them: authorize (creation or re-authorization),
// failed authorizations, a refused token refresh, and adopting connections the app already knows.
// Auth webhook bodies follow packages/webhooks/lib/auth.ts and packages/server/lib/hooks/hooks.ts.
import { randomBytes, randomUUID } from "node:crypto";
import type { ErrorPayload, NangoAuthWebhookBody, NangoAuthWebhookBodyBase } from "@nangohq/types";
import { apiError, nangoError, NangoApiError } from "./errors";
import { sendWebhook } from "./outgoing";
import {
  connectionTags,
  lowercaseKeys,
  newAccessToken,
  newConnection,
  type ConnectSession,
  type EndUser,
  type SandboxConnection,
  type Store,
} from "./state";

export type SessionInput = {
  end_user?: { id: string; email?: string; display_name?: string; tags?: Record<string, string> };
  organization?: { id: string; display_name?: string };
  tags?: Record<string, string>;
  allowed_integrations?: string[];
  reconnect?: ConnectSession["reconnect"];
};

export function newSession(store: Store, input: SessionInput): ConnectSession {
  // postSessions.ts: each unknown integration is one validation error at its index.
  const errors = (input.allowed_integrations ?? []).flatMap((key, index) =>
    store.integrationById(key) ? [] : [{ code: "custom", message: "Integration does not exist", path: ["allowed_integrations", String(index)] }],
  );
  if (errors.length) throw new NangoApiError(400, { error: { code: "invalid_body", errors } });
  const session: ConnectSession = {
    token: `nango_connect_session_${randomBytes(32).toString("hex")}`,
    endUser: input.end_user
      ? {
          id: input.end_user.id,
          email: input.end_user.email ?? null,
          display_name: input.end_user.display_name ?? null,
          tags: lowercaseKeys(input.end_user.tags),
          organization: input.organization ? { id: input.organization.id, display_name: input.organization.display_name ?? null } : null,
        }
      : null,
    tags: lowercaseKeys(input.tags),
    allowedIntegrations: input.allowed_integrations ?? null,
    expiresAt: new Date(Date.now() + 30 * 60_000),
    reconnect: input.reconnect ?? null,
  };
  store.sessions.set(session.token, session);
  return session;
}

export function liveSession(store: Store, token: string): ConnectSession | undefined {
  const s = store.sessions.get(token);
  return s && s.expiresAt.getTime() > Date.now() ? s : undefined;
}

/** Nango's connectionService.getConnection: unknown (or of another integration) → NangoError unknown_connection. */
export function connectionOrUnknown(store: Store, connectionId: string, providerConfigKey?: string | null): SandboxConnection {
  const c = store.connections.get(connectionId);
  if (!c || (providerConfigKey && c.integration.uniqueKey !== providerConfigKey)) {
    throw nangoError("unknown_connection", { connectionId, providerConfigKey: providerConfigKey ?? undefined });
  }
  return c;
}

function authBody(
  c: Pick<SandboxConnection, "connectionId" | "integration"> & { tags?: Record<string, string>; endUser?: EndUser | null },
  operation: "creation" | "override" | "refresh",
): NangoAuthWebhookBodyBase {
  return {
    from: "nango",
    type: "auth",
    connectionId: c.connectionId,
    providerConfigKey: c.integration.uniqueKey,
    authMode: "OAUTH2",
    provider: c.integration.provider,
    environment: "dev",
    operation,
    ...(c.tags ? { tags: c.tags } : {}),
    // Only the success hook (connectionCreated) passes the end user; failure hooks do not.
    ...(c.endUser
      ? {
          endUser: {
            endUserId: c.endUser.id,
            endUserEmail: c.endUser.email,
            ...(c.endUser.organization ? { organizationId: c.endUser.organization.id } : {}),
            tags: c.endUser.tags,
          },
        }
      : {}),
  };
}

const sendAuth = (store: Store, body: NangoAuthWebhookBody) => {
  const off =
    body.operation === "creation" && !store.webhookSettings.onAuthCreation
      ? "on_auth_creation"
      : body.operation === "refresh" && !store.webhookSettings.onAuthRefreshError
        ? "on_auth_refresh_error"
        : undefined;
  return sendWebhook(store, body, off);
};

function sessionOr401(store: Store, token: string): ConnectSession {
  const session = liveSession(store, token);
  if (!session) throw nangoError("unknown_connect_session_token");
  return session;
}

function integrationOfSession(store: Store, session: ConnectSession, integrationId?: string) {
  const key = integrationId ?? session.reconnect?.integrationId ?? session.allowedIntegrations?.[0];
  const integration = key ? store.integrationById(key) : undefined;
  if (!integration || (session.allowedIntegrations && !session.allowedIntegrations.includes(integration.uniqueKey))) {
    throw apiError(400, "invalid_body", `Integration ${key ?? "(none)"} is not allowed by this session`);
  }
  return integration;
}

/** What the Connect UI's Authorize button does: create (or re-authorize) the connection, send the webhook. */
export async function authorize(store: Store, token: string, integrationId?: string) {
  const session = sessionOr401(store, token);
  if (session.reconnect) {
    const c = connectionOrUnknown(store, session.reconnect.connectionId);
    c.updatedAt = store.tick();
    c.errors = [];
    c.accessToken = newAccessToken();
    store.sessions.delete(token);
    const webhook = await sendAuth(store, { ...authBody({ ...c, endUser: session.endUser }, "override"), success: true });
    return { providerConfigKey: c.integration.uniqueKey, connectionId: c.connectionId, webhook };
  }
  const integration = integrationOfSession(store, session, integrationId);
  const c = newConnection(store, { integration, endUser: session.endUser, tags: connectionTags(session.endUser, session.tags) });
  store.connections.set(c.connectionId, c);
  store.sessions.delete(token); // a session creates one connection
  const webhook = await sendAuth(store, { ...authBody(c, "creation"), success: true });
  return { providerConfigKey: integration.uniqueKey, connectionId: c.connectionId, webhook };
}

/**
 * The user's authorization failed at the provider. For a reconnect session Nango sends operation "override"
 * with success false about the existing connection, which stays as it was (hooks.ts reconnectionFailed). For a
 * new connection it sends operation "creation" with the connection id the session generated: Nango never
 * stored that connection (oauth.controller.ts connectionCreationFailed), and the body carries no tags.
 */
export async function failAuthorization(store: Store, token: string, error: Partial<ErrorPayload> = {}, integrationId?: string) {
  const session = sessionOr401(store, token);
  const integration = integrationOfSession(store, session, integrationId);
  const payload: ErrorPayload = { type: error.type ?? "callback_err", description: error.description ?? "The provider refused the authorization" };
  if (session.reconnect) {
    const c = connectionOrUnknown(store, session.reconnect.connectionId);
    c.errors = [{ type: "auth", log_id: randomUUID() }];
    const webhook = await sendAuth(store, { ...authBody({ connectionId: c.connectionId, integration, tags: c.tags }, "override"), success: false, error: payload });
    return { connectionId: c.connectionId, webhook };
  }
  const connectionId = randomUUID();
  const webhook = await sendAuth(store, { ...authBody({ connectionId, integration }, "creation"), success: false, error: payload });
  return { connectionId, webhook };
}

/** The provider refused the refresh token: Nango marks the connection and sends the refresh-failure webhook. */
export async function expireConnection(store: Store, connectionId: string, description = "The refresh token was revoked by the user or expired") {
  const c = connectionOrUnknown(store, connectionId);
  c.errors = [{ type: "auth", log_id: randomUUID() }];
  const webhook = await sendAuth(store, {
    ...authBody({ connectionId: c.connectionId, integration: c.integration, tags: c.tags }, "refresh"),
    success: false,
    error: { type: "refresh_token_external_error", description },
  });
  return { webhook };
}

/** Creates a connection as if a user went through Connect UI with a session of these properties. */
export function connect(store: Store, input: { integrationId: string } & Omit<SessionInput, "allowed_integrations" | "reconnect" | "end_user"> & { endUser?: SessionInput["end_user"] }) {
  const session = newSession(store, { end_user: input.endUser, organization: input.organization, tags: input.tags, allowed_integrations: [input.integrationId] });
  return authorize(store, session.token, input.integrationId);
}

/**
 * Registers a connection that exists in Atlas's database but not in this (in-memory) sandbox, as after a
 * restart or for the demo data; no webhook is sent. Already known: left as it is.
 */
export function adoptConnection(
  store: Store,
  input: { connectionId: string; integrationId: string; endUser?: { id: string; email?: string | null }; tags?: Record<string, string>; paused?: boolean },
) {
  if (store.connections.has(input.connectionId)) return false;
  const integration = store.integrationById(input.integrationId);
  if (!integration) throw new Error(`Integration ${input.integrationId} does not exist`);
  const endUser: EndUser | null = input.endUser ? { id: input.endUser.id, email: input.endUser.email ?? null, display_name: null, tags: {}, organization: null } : null;
  const tags = connectionTags(endUser, lowercaseKeys(input.tags));
  store.connections.set(input.connectionId, newConnection(store, { connectionId: input.connectionId, integration, endUser, tags, paused: input.paused }));
  return true;
}
