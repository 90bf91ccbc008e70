// Contract tests, webhooks Nango sends: one per fact Atlas must not get wrong, each citing the file of
// NangoHQ/nango whose behaviour the sandbox reproduces. Deliveries are checked as the app receives them:
// raw HTTP bodies, verified with the real SDK.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Nango } from "@nangohq/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNangoSandbox, type NangoSandbox } from "./index";
import { startReceiver } from "./test-receiver";

const SECRET = "contract-secret";
const SIGNING = "contract-signing";
const endUser = { id: "u-contract", email: "c@example.test" };

let receiver: Awaited<ReturnType<typeof startReceiver>>;
let sandbox: NangoSandbox;
let nango: Nango;

beforeAll(async () => {
  receiver = await startReceiver();
  sandbox = await startNangoSandbox({
    secretKey: SECRET,
    webhookSigningKey: SIGNING,
    webhookUrl: receiver.url,
    rateLimitPerMinute: 100_000,
    integrations: [
      { uniqueKey: "github", provider: "github", displayName: "GitHub", syncs: [{ name: "issues", model: "Issue" }] },
      { uniqueKey: "github-multi", provider: "github", displayName: "GitHub", syncs: [{ name: "everything", model: "Issue", models: ["Issue", "PullRequest"] }] },
    ],
  });
  nango = new Nango({ apiKey: SECRET, host: sandbox.url, webhookSigningKey: SIGNING });
});
afterAll(async () => {
  await sandbox.stop();
  await receiver.stop();
});

/** The bodies delivered while `fn` runs, each checked against the signing key. */
async function deliveries(fn: () => Promise<unknown>, client = nango) {
  const before = receiver.received.length;
  await fn();
  return receiver.received.slice(before).map((r) => {
    expect(client.verifyIncomingWebhookRequest(r.body, r.headers)).toBe(true);
    return JSON.parse(r.body) as Record<string, unknown>;
  });
}

describe("Nango's webhooks (contract)", () => {
  it("failure startedAt is the previous successful run's start (= its modifiedAfter), failedAt is now, and stays so for two failures in a row (packages/jobs/lib/execution/sync.ts onFailure now: lastSyncDate; packages/webhooks/lib/sync.ts)", async () => {
    const { connectionId } = await sandbox.connect({ integrationId: "github", endUser });
    const [first] = await deliveries(() => sandbox.failSync(connectionId));
    // Before any successful run Nango formats dayjs(undefined), i.e. the moment it sends.
    expect(first).toMatchObject({ success: false, syncType: "INITIAL", error: { type: "script_error" } });
    expect(first!.startedAt).toBe(first!.failedAt);

    const [success] = await deliveries(() => sandbox.simulateSync(connectionId, { added: 2 }));
    expect(success).toMatchObject({ success: true, syncType: "INITIAL" });
    const beforeFailures = Date.now();
    const [one] = await deliveries(() => sandbox.failSync(connectionId, { description: "502 from GitHub" }));
    const [two] = await deliveries(() => sandbox.failSync(connectionId));
    for (const failure of [one!, two!]) {
      expect(failure).toMatchObject({ success: false, syncType: "INCREMENTAL", startedAt: success!.modifiedAfter, model: "Issue" });
      expect(Date.parse(failure.failedAt as string)).toBeGreaterThanOrEqual(beforeFailures);
    }
    expect(one!.failedAt).not.toBe(two!.failedAt);
    expect(one!.error).toEqual({ type: "script_error", description: "502 from GitHub" });
    // The run after them starts later: the next success carries a new modifiedAfter.
    const [next] = await deliveries(() => sandbox.simulateSync(connectionId, { added: 1 }));
    expect(Date.parse(next!.modifiedAfter as string)).toBeGreaterThan(Date.parse(success!.modifiedAfter as string));
    expect(next).toMatchObject({ syncType: "INCREMENTAL", queryTimeStamp: next!.modifiedAfter });
  });

  it("a failed sync with several models names them joined with commas; a success sends one webhook per model (packages/jobs/lib/execution/sync.ts models.join(','))", async () => {
    const { connectionId } = await sandbox.connect({ integrationId: "github-multi", endUser });
    const [failure] = await deliveries(() => sandbox.failSync(connectionId));
    expect(failure).toMatchObject({ success: false, model: "Issue,PullRequest", syncName: "everything" });
    const successes = await deliveries(() => sandbox.simulateSync(connectionId, { added: 3, model: "PullRequest" }));
    expect(successes.map((s) => [s.model, s.responseResults])).toEqual([
      ["Issue", { added: 0, updated: 0, deleted: 0 }],
      ["PullRequest", { added: 3, updated: 0, deleted: 0 }],
    ]);
  });

  it("webhooks answered 3xx or 4xx are not retried; 5xx and network errors are retried twice with exponential backoff (packages/webhooks/lib/utils.ts shouldRetry, retryFlexible)", async () => {
    const statuses = [302, 400, 404, 500, 503];
    for (const status of statuses) {
      const failing = await startReceiver(() => status);
      const s = await startNangoSandbox({ secretKey: SECRET, webhookSigningKey: SIGNING, webhookUrl: failing.url, webhookBackoffMs: 40 });
      try {
        const { webhook } = await s.connect({ integrationId: "github", endUser });
        expect({ status, attempts: webhook.attempts, final: webhook.status }).toEqual({ status, attempts: status >= 500 ? 3 : 1, final: status });
        expect(failing.received).toHaveLength(status >= 500 ? 3 : 1);
        if (status >= 500) {
          const [a, b, c] = failing.received.map((r) => r.at) as [number, number, number];
          expect(b - a).toBeGreaterThanOrEqual(40);
          expect(c - b).toBeGreaterThanOrEqual(80); // doubled
        }
      } finally {
        await s.stop();
        await failing.stop();
      }
    }
    // Nothing listening: ECONNREFUSED is a network error Nango retries.
    const gone = await startReceiver();
    await gone.stop();
    const s = await startNangoSandbox({ secretKey: SECRET, webhookSigningKey: SIGNING, webhookUrl: gone.url, webhookBackoffMs: 10 });
    try {
      const { webhook } = await s.connect({ integrationId: "github", endUser });
      expect(webhook).toMatchObject({ status: null, attempts: 3, error: "ECONNREFUSED" });
    } finally {
      await s.stop();
    }
    // No answer within the attempt's timeout (Nango: 20 s): axios' ECONNABORTED, retried too.
    const silent = http.createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const slow = await startNangoSandbox({
      secretKey: SECRET,
      webhookSigningKey: SIGNING,
      webhookUrl: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/`,
      webhookBackoffMs: 10,
      webhookTimeoutMs: 50,
    });
    try {
      const { webhook } = await slow.connect({ integrationId: "github", endUser });
      expect(webhook).toMatchObject({ status: null, attempts: 3, error: "ECONNABORTED" });
    } finally {
      await slow.stop();
      silent.closeAllConnections();
      await new Promise((r) => silent.close(r));
    }
  });

  it("a failed re-authorization is type auth, operation override, success false, error {type, description}; a failed creation names a connection Nango never stored (packages/server/lib/hooks/hooks.ts reconnectionFailed, connectionCreationFailed)", async () => {
    const { connectionId } = await sandbox.connect({ integrationId: "github", endUser });
    const { data } = await nango.createReconnectSession({ connection_id: connectionId, integration_id: "github" });
    const [override] = await deliveries(() => sandbox.failAuthorization(data.token, { type: "callback_err", description: "access_denied" }));
    expect(override).toEqual({
      authMode: "OAUTH2",
      connectionId,
      environment: "dev",
      error: { type: "callback_err", description: "access_denied" },
      from: "nango",
      operation: "override",
      provider: "github",
      providerConfigKey: "github",
      success: false,
      tags: { end_user_email: "c@example.test", end_user_id: "u-contract" },
      type: "auth",
    });
    // The connection itself is untouched by a failed re-authorization.
    expect((await nango.getConnection("github", connectionId)).connection_id).toBe(connectionId);

    const session = await nango.createConnectSession({ end_user: endUser, allowed_integrations: ["github"] });
    const [creation] = await deliveries(() => sandbox.failAuthorization(session.data.token));
    expect(creation).toMatchObject({ type: "auth", operation: "creation", success: false, error: { type: expect.any(String), description: expect.any(String) } });
    expect(creation).not.toHaveProperty("tags");
    expect(creation).not.toHaveProperty("endUser");
    expect(sandbox.getConnectionIds()).not.toContain(creation!.connectionId);
  });

  it("after a signing-key rotation Nango keeps signing with the old key until its cache expires (packages/shared/lib/services/customerKey.service.ts)", async () => {
    const receiving = await startReceiver();
    const s = await startNangoSandbox({ secretKey: SECRET, webhookSigningKey: "old-key", webhookUrl: receiving.url, signingKeyCacheMs: 300 });
    const withKey = (key: string) => new Nango({ apiKey: SECRET, host: s.url, webhookSigningKey: key });
    try {
      s.rotateSigningKey("new-key");
      await s.connect({ integrationId: "github", endUser });
      await new Promise((r) => setTimeout(r, 350));
      await s.connect({ integrationId: "github", endUser });
      const [during, after] = receiving.received;
      expect(withKey("old-key").verifyIncomingWebhookRequest(during!.body, during!.headers)).toBe(true);
      expect(withKey("new-key").verifyIncomingWebhookRequest(during!.body, during!.headers)).toBe(false);
      expect(withKey("new-key").verifyIncomingWebhookRequest(after!.body, after!.headers)).toBe(true);
    } finally {
      await s.stop();
      await receiving.stop();
    }
  });

  it("with the environment's sync-error and auth-creation webhooks off (their default in older environments), failures and new connections arrive silently (migration 20240531122550, packages/webhooks/lib/utils.ts shouldSend)", async () => {
    const receiving = await startReceiver();
    const s = await startNangoSandbox({
      secretKey: SECRET,
      webhookSigningKey: SIGNING,
      webhookUrl: receiving.url,
      webhookSettings: { onSyncError: false, onAuthCreation: false, onSyncCompletionAlways: false },
    });
    try {
      const { connectionId, webhook } = await s.connect({ integrationId: "github", endUser });
      expect(webhook.suppressed).toBe("on_auth_creation is off");
      expect((await s.failSync(connectionId)).webhook.suppressed).toBe("on_sync_error is off");
      expect((await s.simulateSync(connectionId, {})).webhook.suppressed).toBe("on_sync_completion_always is off");
      expect(receiving.received).toHaveLength(0);
      // A run that changed something is always reported.
      await s.simulateSync(connectionId, { added: 1 });
      expect(receiving.received.map((r) => JSON.parse(r.body).success)).toEqual([true]);
    } finally {
      await s.stop();
      await receiving.stop();
    }
  });
});
