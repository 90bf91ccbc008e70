// Contract tests, Nango's API as the app calls it (through the real @nangohq/node SDK): one per fact Atlas
// must not get wrong, each citing the file of NangoHQ/nango whose behaviour the sandbox reproduces.
import { Nango } from "@nangohq/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNangoSandbox, type NangoSandbox } from "./index";
import { axiosError } from "./test-receiver";

const SECRET = "contract-api-secret";
const endUser = { id: "u-api", email: "api@example.test" };

let sandbox: NangoSandbox;
let nango: Nango;

beforeAll(async () => {
  sandbox = await startNangoSandbox({ secretKey: SECRET, webhookSigningKey: "contract-api-signing", rateLimitPerMinute: 100_000, triggeredRunMs: 60_000 });
  nango = new Nango({ apiKey: SECRET, host: sandbox.url });
});
afterAll(() => sandbox.stop());

describe("Nango's API (contract)", () => {
  it("deleting a connection Nango does not know answers 400 unknown_connection, while getting it answers 404 (packages/server/lib/controllers/connection/connectionId/deleteConnection.ts, getConnection.ts)", async () => {
    const { connectionId } = await sandbox.connect({ integrationId: "github", endUser });
    expect((await nango.deleteConnection("github", connectionId)).data).toEqual({ success: true });

    const deleted = await axiosError(nango.deleteConnection("github", connectionId));
    expect(deleted.status).toBe(400);
    expect(deleted.data).toEqual({ error: { code: "unknown_connection" } });
    const never = await axiosError(nango.deleteConnection("github", "never-existed"));
    expect([never.status, never.data]).toEqual([400, { error: { code: "unknown_connection" } }]);

    const get = await axiosError(nango.getConnection("github", connectionId));
    expect(get.status).toBe(404);
    expect(get.data).toEqual({ error: { code: "not_found", message: "Failed to find connection" } });
  });

  it("a 429 carries X-RateLimit-Reset and Retry-After = floor(ms left / 1000), which is 0 in a window's last second (packages/server/lib/middleware/ratelimit.middleware.ts)", async () => {
    const limited = await startNangoSandbox({ secretKey: SECRET, webhookSigningKey: "k", rateLimitPerMinute: 2, rateLimitWindowMs: 900 });
    try {
      const client = new Nango({ apiKey: SECRET, host: limited.url });
      const start = Date.now();
      await client.listConnections();
      await client.listConnections();
      const res = await axiosError(client.listConnections());
      expect(res.status).toBe(429);
      expect(res.data).toEqual({ error: { code: "too_many_request", method: "GET", path: "/connections" } });
      expect(res.headers["retry-after"]).toBe("0");
      const reset = Number(res.headers["x-ratelimit-reset"]);
      expect(Number.isInteger(reset)).toBe(true); // epoch seconds, floored
      expect(reset * 1000).toBeGreaterThan(start - 1000);
      expect(reset * 1000).toBeLessThanOrEqual(start + 900 + 1000);
      expect(res.headers["x-ratelimit-remaining"]).toBe("0");
      // Waiting until the reset (not Retry-After) is what gets through.
      await new Promise((r) => setTimeout(r, start + 950 - Date.now()));
      expect((await client.listConnections()).connections).toEqual([]);
    } finally {
      await limited.stop();
    }
    // A minute-long window: Retry-After counts whole seconds left.
    const minute = await startNangoSandbox({ secretKey: SECRET, webhookSigningKey: "k", rateLimitPerMinute: 1 });
    try {
      const client = new Nango({ apiKey: SECRET, host: minute.url });
      await client.listConnections();
      const res = await axiosError(client.listConnections());
      expect(Number(res.headers["retry-after"])).toBe(59);
    } finally {
      await minute.stop();
    }
  });

  it("record cursors are base64 of '<last_modified_at>||<record uuid>' and an invalid cursor answers 500 (packages/records/lib/cursor.ts, packages/records/lib/stores/postgres/postgres.ts, getRecords.ts)", async () => {
    const { connectionId } = await sandbox.connect({ integrationId: "jira", endUser });
    await sandbox.simulateSync(connectionId, { added: 3 });
    const page = await nango.listRecords({ providerConfigKey: "jira", connectionId, model: "Issue", limit: 2 });
    expect(page.records).toHaveLength(2);
    const [sort, id] = Buffer.from(page.next_cursor!, "base64").toString("ascii").split("||");
    expect(sort).toBe(page.records[1]!._nango_metadata.last_modified_at);
    // PostgreSQL's to_json(timestamptz): "+00:00", not "Z".
    expect(sort).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?\+00:00$/);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(page.records[1]!._nango_metadata.cursor).toBe(page.next_cursor);
    const rest = await nango.listRecords({ providerConfigKey: "jira", connectionId, model: "Issue", cursor: page.next_cursor! });
    expect(rest.records.map((r) => r.id)).toEqual(["10003"]);

    for (const bad of ["not-a-cursor", Buffer.from("2026-01-01T00:00:00Z||42").toString("base64"), Buffer.from("yesterday||" + id).toString("base64")]) {
      const res = await axiosError(nango.listRecords({ providerConfigKey: "jira", connectionId, model: "Issue", cursor: bad }));
      expect([res.status, res.data]).toEqual([500, { error: { code: "server_error", message: "Failed to fetch records" } }]);
    }
  });

  it("modified_after with a time-zone offset other than Z is refused, even +00:00 as in the records' own timestamps (packages/server/lib/controllers/records/getRecords.ts z.string().datetime())", async () => {
    const { connectionId } = await sandbox.connect({ integrationId: "github", endUser });
    const run = await sandbox.simulateSync(connectionId, { added: 1 });
    const list = (modifiedAfter: string) => nango.listRecords({ providerConfigKey: "github", connectionId, model: "Issue", modifiedAfter });
    expect((await list(run.modifiedAfter)).records).toHaveLength(1);
    const at = new Date(Date.parse(run.modifiedAfter));
    const local = (h: number) => new Date(at.getTime() + h * 3600_000).toISOString().slice(0, 19);
    for (const offset of [`${local(2)}+02:00`, `${local(-5)}-05:00`, `${local(0)}+00:00`]) {
      const res = await axiosError(list(offset));
      expect(res.status).toBe(400);
      expect(res.data).toMatchObject({ error: { code: "invalid_query_params", errors: [{ path: ["modified_after"] }] } });
    }
    const stored = (await list(run.modifiedAfter)).records[0]!._nango_metadata.last_modified_at;
    expect((await axiosError(list(stored))).status).toBe(400);
  });

  it("sync commands on an unknown connection answer 404 unknown_connection, on an unknown sync 400 no_syncs_found; sync status answers an unknown connection 400 invalid_body (packages/shared/lib/utils/error.ts, packages/shared/lib/services/sync/manager.service.ts, packages/server/lib/controllers/sync/getSyncStatus.ts)", async () => {
    const { connectionId } = await sandbox.connect({ integrationId: "github", endUser });
    for (const command of [
      () => nango.triggerSync("github", ["issues"], "no-such-connection"),
      () => nango.pauseSync("github", ["issues"], "no-such-connection"),
      () => nango.startSync("github", ["issues"], "no-such-connection"),
    ]) {
      const res = await axiosError(command());
      expect(res.status).toBe(404);
      expect(res.data).toEqual({
        error: {
          code: "unknown_connection",
          message: expect.stringMatching(/^No connection matching the provided params of 'connection_id' and 'provider_config_key'\./),
          payload: { connectionId: "no-such-connection", providerConfigKey: "github" },
        },
      });
    }
    for (const command of [() => nango.triggerSync("github", ["nope"], connectionId), () => nango.pauseSync("github", ["nope"], connectionId)]) {
      const res = await axiosError(command());
      expect([res.status, res.data]).toEqual([400, { error: { code: "no_syncs_found", message: "No syncs found given the inputs.", payload: {} } }]);
    }
    const status = await axiosError(nango.syncStatus("github", ["issues"], "no-such-connection"));
    expect([status.status, status.data]).toEqual([400, { error: { code: "invalid_body", message: "Connection not found" } }]);
    expect((await axiosError(nango.triggerSync("gitlab", ["issues"], connectionId))).data).toMatchObject({ error: { code: "unknown_provider_config" } });
  });

  it("sync status reports Nango's fields; Sync now runs the sync: RUNNING, then SUCCESS with its result and a success webhook (manager.service.ts syncStatus, classifySyncStatus)", async () => {
    const { connectionId } = await sandbox.connect({ integrationId: "github", endUser });
    let [issues] = (await nango.syncStatus("github", ["issues"], connectionId)).syncs;
    expect(issues).toEqual({
      id: expect.any(String),
      connection_id: connectionId,
      type: "INITIAL",
      nextScheduledSyncAt: expect.any(String),
      name: "issues",
      variant: "base",
      status: "SUCCESS",
      frequency: "every hour",
      recordCount: { Issue: 0 },
      checkpoint: null,
    });
    const sent = sandbox.webhooks.length;
    await nango.triggerSync("github", ["issues"], connectionId);
    expect((await nango.syncStatus("github", ["issues"], connectionId)).syncs[0]).toMatchObject({ status: "RUNNING", latestExecutionStatus: "RUNNING" });
    await sandbox.finishTriggeredRuns();
    [issues] = (await nango.syncStatus("github", ["issues"], connectionId)).syncs;
    expect(issues).toMatchObject({ status: "SUCCESS", latestExecutionStatus: "SUCCESS", finishedAt: expect.any(String), latestResult: { Issue: { added: 2, updated: 0, deleted: 0 } }, recordCount: { Issue: 2 } });
    expect(sandbox.webhooks.slice(sent).map((w) => w.payload)).toEqual([expect.objectContaining({ type: "sync", success: true, syncName: "issues", connectionId })]);

    await sandbox.failSync(connectionId);
    [issues] = (await nango.syncStatus("github", ["issues"], connectionId)).syncs;
    expect(issues).toMatchObject({ status: "ERROR", latestExecutionStatus: "STOPPED", type: "INCREMENTAL" });
    expect(issues).not.toHaveProperty("latestResult");
    // The failure shows on the connection until the sync succeeds again (errorNotificationService.sync).
    expect((await nango.getConnection("github", connectionId)).errors).toEqual([{ type: "sync", log_id: expect.any(String) }]);
    await sandbox.simulateSync(connectionId, { added: 1 });
    expect((await nango.getConnection("github", connectionId)).errors).toEqual([]);
  });
});
