// The sandbox must be indistinguishable from Nango for the real @nangohq/node SDK.
import { Nango } from "@nangohq/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNangoSandbox, type NangoSandbox } from "./index";
import { axiosError, startReceiver } from "./test-receiver";

const SECRET = "sandbox-secret-key";
const SIGNING = "sandbox-signing-key";

let sandbox: NangoSandbox;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let nango: Nango;

beforeAll(async () => {
  receiver = await startReceiver();
  sandbox = await startNangoSandbox({ secretKey: SECRET, webhookSigningKey: SIGNING, webhookUrl: receiver.url, rateLimitPerMinute: 10_000, triggeredRunMs: 60_000 });
  nango = new Nango({ apiKey: SECRET, host: sandbox.url, webhookSigningKey: SIGNING });
});
afterAll(async () => {
  await sandbox.stop();
  await receiver.stop();
});

const endUser = { id: "user_1", email: "ada@example.test", display_name: "Ada" };

describe("connect sessions", () => {
  it("creates a session with Nango's token format, connect link and 30-minute expiry", async () => {
    const before = Date.now();
    const res = await nango.createConnectSession({
      end_user: endUser,
      organization: { id: "org_1", display_name: "Acme" },
      allowed_integrations: ["github"],
      tags: { project_id: "default" },
    });
    expect(res.data.token).toMatch(/^nango_connect_session_[a-f0-9]{64}$/);
    expect(res.data.connect_link).toBe(`${sandbox.url}/connect/?session_token=${res.data.token}`);
    const expiresIn = Date.parse(res.data.expires_at) - before;
    expect(expiresIn).toBeGreaterThan(29 * 60_000);
    expect(expiresIn).toBeLessThanOrEqual(30 * 60_000 + 1000);
  });

  it("answers 201 and rejects a body with neither end_user nor tags (400 invalid_body with errors)", async () => {
    const created = await fetch(`${sandbox.url}/connect/sessions`, {
      method: "POST",
      headers: { Authorization: `Bearer ${SECRET}`, "Content-Type": "application/json" },
      body: JSON.stringify({ tags: { organization_id: "o" } }),
    });
    expect(created.status).toBe(201);

    const res = await axiosError(nango.createConnectSession({ allowed_integrations: ["github"] } as never));
    expect(res.status).toBe(400);
    expect(res.data).toMatchObject({ error: { code: "invalid_body", errors: [expect.objectContaining({ path: ["end_user"] })] } });
  });

  it("serves the session to its token holder (GET /connect/session) and the Connect UI page", async () => {
    const { data } = await nango.createConnectSession({ end_user: endUser, allowed_integrations: ["notion"] });
    const res = await fetch(`${sandbox.url}/connect/session`, { headers: { Authorization: `Bearer ${data.token}` } });
    expect(res.status).toBe(200);
    expect((await res.json()).data).toMatchObject({ allowed_integrations: ["notion"], endUser: { id: "user_1" }, isReconnecting: false });

    const page = await fetch(`${sandbox.url}/connect/?apiURL=${encodeURIComponent(sandbox.url)}`);
    expect(page.headers.get("content-type")).toContain("text/html");
    const html = await page.text();
    expect(html).toContain("Nango sandbox");
    expect(html).toContain("type: 'ready'");
    expect(html).toContain("session_token");
    expect(html).toContain("type: 'connect'");
    expect(html).toContain("type: 'close'");
  });

  it("refuses a session for an integration that does not exist, naming it by index (controllers/connect/postSessions.ts)", async () => {
    const res = await axiosError(nango.createConnectSession({ end_user: endUser, allowed_integrations: ["github", "gitlab"] }));
    expect([res.status, res.data]).toEqual([400, { error: { code: "invalid_body", errors: [{ code: "custom", message: "Integration does not exist", path: ["allowed_integrations", "1"] }] } }]);
  });

  it("lists integrations (the SDK rewraps data as configs)", async () => {
    const res = await nango.listIntegrations();
    expect(res.configs.map((c) => c.unique_key)).toEqual(["github", "notion", "jira", "slack", "linear"]);
  });
});

describe("authorizing through the Connect UI", () => {
  it("creates the connection from the session and sends a signed auth creation webhook", async () => {
    const { data } = await nango.createConnectSession({
      end_user: endUser,
      organization: { id: "org_1", display_name: "Acme" },
      allowed_integrations: ["github"],
      tags: { organization_id: "org_1", project_id: "proj_9" },
    });
    const before = receiver.received.length;
    // Exactly what the Authorize button of the page calls.
    const res = await fetch(`${sandbox.url}/_sandbox/connect/authorize`, {
      method: "POST",
      headers: { Authorization: `Bearer ${data.token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ integration_id: "github" }),
    });
    expect(res.status).toBe(200);
    const { providerConfigKey, connectionId } = await res.json();
    expect(providerConfigKey).toBe("github");
    expect(connectionId).toMatch(/^[0-9a-f-]{36}$/);

    const delivered = receiver.received.slice(before);
    expect(delivered).toHaveLength(1);
    const { body, headers } = delivered[0]!;
    expect(headers["content-type"]).toBe("application/json");
    expect(nango.verifyIncomingWebhookRequest(body, headers)).toBe(true);
    expect(new Nango({ apiKey: SECRET, host: sandbox.url, webhookSigningKey: "other" }).verifyIncomingWebhookRequest(body, headers)).toBe(false);
    // Keys sorted at every depth, as Nango's stringifyStable.
    expect(body.startsWith('{"authMode":"OAUTH2","connectionId":')).toBe(true);
    expect(JSON.parse(body)).toEqual({
      authMode: "OAUTH2",
      connectionId,
      endUser: { endUserEmail: "ada@example.test", endUserId: "user_1", organizationId: "org_1", tags: {} },
      environment: "dev",
      from: "nango",
      operation: "creation",
      provider: "github",
      providerConfigKey: "github",
      success: true,
      tags: {
        end_user_display_name: "Ada",
        end_user_email: "ada@example.test",
        end_user_id: "user_1",
        organization_display_name: "Acme",
        organization_id: "org_1",
        project_id: "proj_9",
      },
      type: "auth",
    });
    // The legacy signature header verifies too.
    expect(nango.verifyWebhookSignature(headers["x-nango-signature"]!, JSON.parse(body))).toBe(true);

    const conn = await nango.getConnection("github", connectionId);
    expect(conn).toMatchObject({ connection_id: connectionId, provider_config_key: "github", provider: "github", credentials: { type: "OAUTH2" } });
    expect(await nango.getToken("github", connectionId)).toMatch(/^sandbox_/);
    // A session creates one connection.
    expect(sandbox.hasSession(data.token)).toBe(false);
  });

  it("re-authorizes through a reconnect session and sends an override webhook for the same connection", async () => {
    const { connectionId } = await sandbox.connect({ integrationId: "slack", endUser });
    const { data } = await nango.createReconnectSession({ connection_id: connectionId, integration_id: "slack", end_user: endUser });
    const session = await fetch(`${sandbox.url}/connect/session`, { headers: { Authorization: `Bearer ${data.token}` } });
    expect((await session.json()).data.isReconnecting).toBe(true);
    const { webhook } = await sandbox.authorizeSession(data.token);
    expect(webhook.payload).toMatchObject({ type: "auth", operation: "override", success: true, connectionId });
    expect(webhook.status).toBe(200);

    const missing = await axiosError(nango.createReconnectSession({ connection_id: "nope", integration_id: "slack" }));
    expect(missing.status).toBe(400);
  });

  it("refuses an integration the session does not allow", async () => {
    const { data } = await nango.createConnectSession({ end_user: endUser, allowed_integrations: ["github"] });
    await expect(sandbox.authorizeSession(data.token, "jira")).rejects.toThrow();
  });
});

describe("connections", () => {
  it("lists with endUserId / integrationId / tags filters, patches, sets metadata and deletes", async () => {
    const a = await sandbox.connect({ integrationId: "jira", endUser: { id: "list_u1" }, tags: { team: "red" } });
    const b = await sandbox.connect({ integrationId: "notion", endUser: { id: "list_u1" }, tags: { team: "blue" } });
    await sandbox.connect({ integrationId: "jira", endUser: { id: "list_u2" } });

    const byUser = await nango.listConnections({ userId: "list_u1" });
    expect(byUser.connections.map((c) => c.connection_id).sort()).toEqual([a.connectionId, b.connectionId].sort());
    const byIntegration = await nango.listConnections({ userId: "list_u1", integrationId: "jira" });
    expect(byIntegration.connections.map((c) => c.connection_id)).toEqual([a.connectionId]);
    const byTag = await nango.listConnections({ tags: { team: "blue" } });
    expect(byTag.connections.map((c) => c.connection_id)).toEqual([b.connectionId]);
    expect(byTag.connections[0]).toMatchObject({ provider_config_key: "notion", end_user: { id: "list_u1" }, created: expect.any(String) });

    await nango.setMetadata("jira", a.connectionId, { site: "acme" });
    await nango.updateMetadata("jira", a.connectionId, { project: "ATL" });
    expect((await nango.getConnection("jira", a.connectionId)).metadata).toEqual({ site: "acme", project: "ATL" });

    await nango.patchConnection({ connectionId: a.connectionId, provider_config_key: "jira" }, { tags: { team: "green" } });
    expect((await nango.getConnection("jira", a.connectionId)).tags).toEqual({ team: "green" });

    const wrongKey = await axiosError(nango.getConnection("notion", a.connectionId));
    expect(wrongKey.status).toBe(404);
    expect(wrongKey.data).toMatchObject({ error: { code: "not_found" } });

    const deleted = await nango.deleteConnection("jira", a.connectionId);
    expect(deleted.data).toEqual({ success: true });
    expect((await axiosError(nango.getConnection("jira", a.connectionId))).status).toBe(404);
    // Deleting an unknown connection is a 400 unknown_connection, unlike GET's 404 (deleteConnection.ts).
    const again = await axiosError(nango.deleteConnection("jira", a.connectionId));
    expect(again.status).toBe(400);
    expect(again.data).toEqual({ error: { code: "unknown_connection" } });
  });
});

describe("authentication, CORS and rate limits", () => {
  it("answers 401 unknown_account to a wrong key and missing_auth_header without one (shared/lib/utils/error.ts)", async () => {
    const wrong = new Nango({ apiKey: "wrong", host: sandbox.url });
    const res = await axiosError(wrong.listConnections());
    expect(res.status).toBe(401);
    expect(res.data).toEqual({ error: { code: "unknown_account", message: expect.any(String), payload: {} } });
    const missing = await fetch(`${sandbox.url}/connections`);
    expect(missing.status).toBe(401);
    expect((await missing.json()).error.code).toBe("missing_auth_header");
  });

  it("allows any origin, including preflights with Authorization", async () => {
    const res = await fetch(`${sandbox.url}/connect/session`, {
      method: "OPTIONS",
      headers: { Origin: "http://localhost:3000", "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization" },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-allow-headers")).toBe("authorization");
  });

  it("answers 429 too_many_request with rate-limit headers once a key exceeds its limit", async () => {
    const limited = await startNangoSandbox({ secretKey: SECRET, webhookSigningKey: SIGNING, rateLimitPerMinute: 5 });
    try {
      const client = new Nango({ apiKey: SECRET, host: limited.url });
      for (let i = 0; i < 5; i++) await client.listConnections();
      const res = await axiosError(client.listConnections());
      expect(res.status).toBe(429);
      expect(res.data).toEqual({ error: { code: "too_many_request", method: "GET", path: "/connections" } });
      expect(res.headers["x-ratelimit-limit"]).toBe("5");
      expect(res.headers["x-ratelimit-remaining"]).toBe("0");
      expect(Number(res.headers["x-ratelimit-reset"])).toBeGreaterThan(Date.now() / 1000);
      expect(Number(res.headers["retry-after"])).toBeGreaterThanOrEqual(0);
      // Per key: another key is not limited.
      const other = await fetch(`${limited.url}/connections`, { headers: { Authorization: "Bearer other" } });
      expect(other.status).toBe(401);
    } finally {
      await limited.stop();
    }
  });
});
