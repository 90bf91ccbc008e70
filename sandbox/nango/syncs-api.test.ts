// Syncs through the real @nangohq/node SDK: trigger (a real run and its webhook), pause, start, status, and
// the sync webhooks the sandbox sends.
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
