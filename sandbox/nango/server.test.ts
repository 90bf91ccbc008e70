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

describe("records", () => {
  it("pages 5,000 records exactly once, in modification order, and resumes from a cursor", async () => {
    const { connectionId } = await sandbox.connect({ integrationId: "github", endUser });
    const sync = await sandbox.simulateSync(connectionId, { added: 5000 });
    expect(sync.responseResults).toEqual({ added: 5000, updated: 0, deleted: 0 });

    const seen: string[] = [];
    let lastModified = "";
    let cursor: string | null | undefined;
    let pages = 0;
    do {
      const page = await nango.listRecords<{ id: string }>({ providerConfigKey: "github", connectionId, model: "Issue", limit: 1000, cursor: cursor ?? undefined });
      for (const r of page.records) {
        expect(r._nango_metadata.last_modified_at >= lastModified).toBe(true);
        lastModified = r._nango_metadata.last_modified_at;
        seen.push(r.id);
      }
      cursor = page.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(5);
    expect(seen).toHaveLength(5000);
    expect(new Set(seen).size).toBe(5000);

    // An incremental sync: 3 edits and 2 deletions show up after the last stored cursor, in order.
    const lastCursor = (await nango.listRecords({ providerConfigKey: "github", connectionId, model: "Issue", limit: 10000 })).records.at(-1)!._nango_metadata.cursor;
    const next = await sandbox.simulateSync(connectionId, { updated: 3, deleted: 2, added: 1 });
    const changes = await nango.listRecords<{ id: string; title: string }>({ providerConfigKey: "github", connectionId, model: "Issue", cursor: lastCursor });
    expect(changes.records.map((r) => [r.id, r._nango_metadata.last_action])).toEqual([
      ["100001", "UPDATED"],
      ["100002", "UPDATED"],
      ["100003", "UPDATED"],
      ["100004", "DELETED"],
      ["100005", "DELETED"],
      ["105001", "ADDED"],
    ]);
    expect(changes.next_cursor).toBeNull();
    expect(changes.records[3]!._nango_metadata.deleted_at).not.toBeNull();
    expect(changes.records[0]!.title).toMatch(/\(edit 1\)$/);
    expect(next.records).toEqual({ added: ["105001"], updated: ["100001", "100002", "100003"], deleted: ["100004", "100005"] });

    // modified_after and filter
    const since = await nango.listRecords({ providerConfigKey: "github", connectionId, model: "Issue", modifiedAfter: next.modifiedAfter, filter: "deleted" });
    expect(since.records.map((r) => r.id)).toEqual(["100004", "100005"]);
  });

  it("generates the same realistic content for the same seed", async () => {
    const one = await sandbox.connect({ integrationId: "jira", endUser });
    const two = await sandbox.connect({ integrationId: "jira", endUser });
    await sandbox.simulateSync(one.connectionId, { added: 2 });
    await sandbox.simulateSync(two.connectionId, { added: 2 });
    const strip = (records: Record<string, unknown>[]) => records.map(({ _nango_metadata, updated_at, ...r }) => r);
    const a = await nango.listRecords({ providerConfigKey: "jira", connectionId: one.connectionId, model: "Issue" });
    const b = await nango.listRecords({ providerConfigKey: "jira", connectionId: two.connectionId, model: "Issue" });
    expect(strip(a.records)).toEqual(strip(b.records));
    expect(a.records[0]).toMatchObject({ id: "10001", key: "ATL-1", project: { key: "ATL" }, status: "To Do", summary: expect.any(String), assignee: expect.any(String), description: expect.any(String) });

    for (const [integrationId, model, fields] of [
      ["github", "PullRequest", ["repository", "number", "title", "state", "author", "labels", "body"]],
      ["notion", "ContentMetadata", ["title", "parent", "text"]],
      ["slack", "Message", ["channel", "author", "thread_ts", "text"]],
      ["linear", "LinearIssue", ["identifier", "title", "state", "assignee", "description"]],
    ] as const) {
      const { connectionId } = await sandbox.connect({ integrationId, endUser });
      await sandbox.simulateSync(connectionId, { added: 1, model });
      const { records } = await nango.listRecords({ providerConfigKey: integrationId, connectionId, model });
      for (const f of fields) expect(records[0]).toHaveProperty(f);
    }
  });

  it("validates headers, model, limit, modified_after and the connection like Nango", async () => {
    const { connectionId } = await sandbox.connect({ integrationId: "github", endUser });
    const get = (query: string, headers: Record<string, string> = { "Connection-Id": connectionId, "Provider-Config-Key": "github" }) =>
      fetch(`${sandbox.url}/records/?${query}`, { headers: { Authorization: `Bearer ${SECRET}`, ...headers } }).then(async (r) => ({ status: r.status, body: await r.json() }));
    expect(await get("model=Issue", {})).toMatchObject({ status: 400, body: { error: { code: "invalid_headers" } } });
    expect(await get("model=issue")).toMatchObject({ status: 400, body: { error: { code: "invalid_query_params" } } });
    expect(await get("model=Issue&limit=0")).toMatchObject({ status: 400 });
    expect(await get("model=Issue&limit=10001")).toMatchObject({ status: 400 });
    expect(await get("model=Issue&modified_after=yesterday")).toMatchObject({ status: 400 });
    expect(await get("model=Issue&modified_after=2020-01-01T00:00:00.000Z")).toMatchObject({ status: 400 });
    expect(await get("model=Issue", { "Connection-Id": "nope", "Provider-Config-Key": "github" })).toMatchObject({ status: 400, body: { error: { code: "unknown_connection" } } });
    expect(await get("model=Issue")).toEqual({ status: 200, body: { records: [], next_cursor: null } });
  });
});

describe("syncs", () => {
  it("triggers, pauses and starts syncs and reports their status", async () => {
    const { connectionId } = await sandbox.connect({ integrationId: "github", endUser });
    await sandbox.simulateSync(connectionId, { added: 4 });

    const before = receiver.received.length;
    await nango.triggerSync("github", ["issues"], connectionId);
    let status = await nango.syncStatus("github", ["issues"], connectionId);
    expect(status.syncs).toHaveLength(1);
    expect(status.syncs[0]).toMatchObject({ name: "issues", status: "RUNNING", recordCount: { Issue: 4 } });

    // Pausing stops the schedule, not the running job: Nango's classifySyncStatus reports RUNNING first.
    await nango.pauseSync("github", ["issues", "pull-requests"], connectionId);
    status = await nango.syncStatus("github", "*", connectionId);
    expect(status.syncs.map((s) => [s.name, s.status])).toEqual([
      ["issues", "RUNNING"],
      ["pull-requests", "PAUSED"],
    ]);
    // The triggered run finishes and reports by webhook, as Nango does.
    await sandbox.finishTriggeredRuns();
    expect(receiver.received.slice(before).map((r) => JSON.parse(r.body))).toEqual([
      expect.objectContaining({ type: "sync", syncName: "issues", success: true, connectionId, responseResults: { added: 2, updated: 1, deleted: 0 } }),
    ]);
    status = await nango.syncStatus("github", "*", connectionId);
    expect(status.syncs.map((s) => [s.name, s.status])).toEqual([
      ["issues", "PAUSED"],
      ["pull-requests", "PAUSED"],
    ]);
    await expect(sandbox.simulateSync(connectionId, { added: 1 })).rejects.toThrow(/paused/);

    await nango.startSync("github", ["issues"], connectionId);
    status = await nango.syncStatus("github", ["issues"], connectionId);
    expect(status.syncs[0]!.status).toBe("SUCCESS");

    const unknown = await axiosError(nango.triggerSync("github", ["nope"], connectionId));
    expect(unknown.status).toBe(400);
    expect(unknown.data).toMatchObject({ error: { code: "no_syncs_found" } });
  });

  it("a full resync (opts.reset) starts over as INITIAL; with emptyCache the records are deleted first (shared/lib/clients/orchestrator.ts RUN_FULL)", async () => {
    const { connectionId } = await sandbox.connect({ integrationId: "jira", endUser });
    await sandbox.simulateSync(connectionId, { added: 3 });
    const sent = sandbox.webhooks.length;
    await nango.triggerSync("jira", ["issues"], connectionId);
    await sandbox.finishTriggeredRuns();
    expect(sandbox.webhooks.slice(sent).map((w) => w.payload)).toMatchObject([{ syncType: "INCREMENTAL", responseResults: { added: 2, updated: 1 } }]);

    await nango.triggerSync("jira", ["issues"], connectionId, { reset: true, emptyCache: true });
    await sandbox.finishTriggeredRuns();
    expect(sandbox.webhooks.at(-1)!.payload).toMatchObject({ syncType: "INITIAL", responseResults: { added: 2, updated: 0, deleted: 0 } });
    const { records } = await nango.listRecords({ providerConfigKey: "jira", connectionId, model: "Issue" });
    expect(records.map((r) => [r.id, r._nango_metadata.last_action])).toEqual([
      ["10001", "ADDED"],
      ["10002", "ADDED"],
    ]);
  });

  it("sends signed sync success and failure webhooks shaped like Nango's", async () => {
    const { connectionId } = await sandbox.connect({ integrationId: "notion", endUser });
    const before = receiver.received.length;
    const ok = await sandbox.simulateSync(connectionId, { added: 3 });
    const failed = await sandbox.failSync(connectionId);
    const expired = await sandbox.expireConnection(connectionId);
    const forwarded = await sandbox.forwardWebhook(connectionId, { event: "page.updated" });
    const delivered = receiver.received.slice(before);
    expect(delivered).toHaveLength(4);
    for (const d of delivered) expect(nango.verifyIncomingWebhookRequest(d.body, d.headers)).toBe(true);

    expect(JSON.parse(delivered[0]!.body)).toEqual({
      connectionId,
      from: "nango",
      model: "ContentMetadata",
      modifiedAfter: ok.modifiedAfter,
      providerConfigKey: "notion",
      queryTimeStamp: ok.modifiedAfter,
      responseResults: { added: 3, deleted: 0, updated: 0 },
      success: true,
      syncName: "content-metadata",
      syncType: "INITIAL",
      syncVariant: "base",
      type: "sync",
    });
    expect(JSON.parse(delivered[1]!.body)).toEqual({
      connectionId,
      error: { description: expect.any(String), type: "script_error" },
      failedAt: failed.webhook.payload.failedAt,
      from: "nango",
      model: "ContentMetadata",
      providerConfigKey: "notion",
      startedAt: failed.webhook.payload.startedAt,
      success: false,
      syncName: "content-metadata",
      syncType: "INCREMENTAL",
      syncVariant: "base",
      type: "sync",
    });
    expect(JSON.parse(delivered[2]!.body)).toMatchObject({
      type: "auth",
      operation: "refresh",
      success: false,
      error: { type: "refresh_token_external_error", description: expect.any(String) },
      connectionId,
    });
    expect(expired.webhook.status).toBe(200);
    expect(JSON.parse(delivered[3]!.body)).toEqual({ connectionId, from: "notion", payload: { event: "page.updated" }, providerConfigKey: "notion", type: "forward" });
    expect(forwarded.webhook.status).toBe(200);
  });

  it("exposes the control functions over HTTP under /_sandbox/", async () => {
    const { connectionId } = await sandbox.connect({ integrationId: "slack", endUser });
    const res = await fetch(`${sandbox.url}/_sandbox/connections/${connectionId}/sync`, {
      method: "POST",
      headers: { Authorization: `Bearer ${SECRET}`, "Content-Type": "application/json" },
      body: JSON.stringify({ added: 2 }),
    });
    expect(res.status).toBe(200);
    expect((await res.json()).responseResults).toEqual({ added: 2, updated: 0, deleted: 0 });
    const anonymous = await fetch(`${sandbox.url}/_sandbox/connections/${connectionId}/expire`, { method: "POST" });
    expect(anonymous.status).toBe(401);
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
