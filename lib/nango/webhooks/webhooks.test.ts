// Webhooks as Nango sends them (built and signed by the sandbox), posted to the route's handler and applied
// by the inbox, and the exact rows they leave behind. Long because it asserts every outcome's rows whole;
// Nango's finer semantics and the inbox's promises are in semantics.test.ts.
import { createHash, createHmac } from "node:crypto";
import { Nango } from "@nangohq/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/client";
import { createOrg, createUser } from "@/lib/test/factory";
import { signWebhook, startNangoSandbox, type NangoSandbox } from "@/sandbox/nango";
import { deliverWebhook, webhookRequest } from "@/lib/test/webhooks";
import { setIngestionQueue } from "../ingestion";
import { acceptNangoWebhook, applyPendingDeliveries, failureSyncIdFor, MAX_WEBHOOK_BYTES, syncIdFor } from ".";

const SIGNING = "whsec-test-signing-key";
process.env.NANGO_WEBHOOK_SIGNING_KEY = SIGNING;

let sandbox: NangoSandbox;
beforeAll(async () => {
  // No webhookUrl: the sandbox builds and signs webhooks; the tests deliver them, one by one or in bursts.
  sandbox = await startNangoSandbox({ secretKey: "sk-test", webhookSigningKey: SIGNING, rateLimitPerMinute: 100_000 });
});
afterAll(() => sandbox.stop());
afterEach(() => setIngestionQueue(null));

/** Posted and applied; the outcome as recorded (the delivery's id left out, to compare answers whole). */
async function deliver(w: { body: string; headers: Record<string, string> }) {
  const { id: _id, ...answer } = await deliverWebhook(w);
  return answer;
}
const hashOf = (body: string) => createHash("sha256").update(body).digest("hex");

/** A user of a fresh organization, connected to `integrationId` through the sandbox (webhook not yet delivered). */
async function connectedUser(integrationId = "github", opts: { organizationTag?: string; userId?: string } = {}) {
  const org = await createOrg();
  const user = await createUser(org.id, { name: "Ada" });
  const created = await sandbox.connect({
    integrationId,
    endUser: { id: opts.userId ?? user.id, email: user.email, display_name: "Ada" },
    organization: { id: org.id, display_name: org.name },
    tags: { organization_id: opts.organizationTag ?? org.id, project_id: "proj_1" },
  });
  return { org, user, connectionId: created.connectionId, creation: created.webhook };
}

/** Everything the webhooks may have written about one Nango connection. */
async function rowsFor(connectionId: string) {
  const connection = await prisma.connection.findUnique({
    where: { connectionId },
    select: { provider: true, userId: true, organizationId: true, status: true, metadata: true, lastSyncAt: true },
  });
  const syncJobs = await prisma.syncJob.findMany({
    where: { connection: { connectionId } },
    orderBy: { startedAt: "asc" },
    select: { syncId: true, status: true, recordsProcessed: true, recordsReported: true, model: true, modifiedAfter: true, errors: true, startedAt: true, completedAt: true },
  });
  const deliveries = await prisma.webhookDelivery.findMany({
    where: { connectionId },
    orderBy: { seq: "asc" },
    select: { type: true, outcome: true, reason: true },
  });
  return { connection, syncJobs, deliveries };
}

describe("auth webhooks", () => {
  it("creation: creates the ACTIVE connection of the end user, in the tagged organization and project", async () => {
    const { org, user, connectionId, creation } = await connectedUser("github");

    expect(await deliver(creation)).toEqual({ status: 200, body: { outcome: "APPLIED" } });

    expect(await rowsFor(connectionId)).toEqual({
      connection: {
        provider: "GITHUB",
        userId: user.id,
        organizationId: org.id,
        status: "ACTIVE",
        metadata: { integrationId: "github", authMode: "OAUTH2", projectId: "proj_1", accountName: "Ada" },
        lastSyncAt: null,
      },
      syncJobs: [],
      deliveries: [{ type: "auth", outcome: "APPLIED", reason: null }],
    });
    const [logged] = await prisma.webhookDelivery.findMany({ where: { connectionId } });
    expect(logged!.bodyHash).toBe(hashOf(creation.body));
    expect(logged!.payload).toEqual(JSON.parse(creation.body));
  });

  it("maps each integration id to its provider", async () => {
    for (const [integrationId, provider] of [["notion", "NOTION"], ["jira", "JIRA"], ["slack", "SLACK"], ["linear", "LINEAR"]] as const) {
      const { connectionId, creation } = await connectedUser(integrationId);
      await deliver(creation);
      expect((await rowsFor(connectionId)).connection?.provider).toBe(provider);
    }
  });

  it("refresh failure expires the connection with lastError; a reconnect heals it; a second expiry applies again", async () => {
    const { connectionId, creation } = await connectedUser("slack");
    await deliver(creation);

    const expiry = (await sandbox.expireConnection(connectionId)).webhook;
    expect(await deliver(expiry)).toEqual({ status: 200, body: { outcome: "APPLIED" } });
    let { connection } = await rowsFor(connectionId);
    expect(connection!.status).toBe("EXPIRED");
    expect(connection!.metadata).toMatchObject({
      lastError: { message: "The refresh token was revoked by the user or expired", code: "refresh_token_external_error", timestamp: expect.any(String) },
    });

    const nango = new Nango({ apiKey: "sk-test", host: sandbox.url });
    const { data } = await nango.createReconnectSession({ connection_id: connectionId, integration_id: "slack" });
    const override = (await sandbox.authorizeSession(data.token)).webhook;
    expect(override.payload.operation).toBe("override");
    expect(await deliver(override)).toEqual({ status: 200, body: { outcome: "APPLIED" } });
    connection = (await rowsFor(connectionId)).connection;
    expect(connection!.status).toBe("ACTIVE");
    expect(connection!.metadata).not.toHaveProperty("lastError");
    expect(connection!.metadata).toMatchObject({ reauthorizedAt: expect.any(String), projectId: "proj_1" });

    // Same body as the first expiry, but not a duplicate: the reconnect happened in between.
    const again = (await sandbox.expireConnection(connectionId)).webhook;
    expect(again.body).toBe(expiry.body);
    expect(await deliver(again)).toEqual({ status: 200, body: { outcome: "APPLIED" } });
    expect((await rowsFor(connectionId)).connection!.status).toBe("EXPIRED");
    expect((await rowsFor(connectionId)).deliveries.map((d) => d.outcome)).toEqual(["APPLIED", "APPLIED", "APPLIED", "APPLIED"]);
  });

  it("a second reconnect after a later sync failure applies, though its body is the first reconnect's", async () => {
    const { connectionId, creation } = await connectedUser("slack");
    await deliver(creation);
    const nango = new Nango({ apiKey: "sk-test", host: sandbox.url });
    const reconnect = async () => {
      const { data } = await nango.createReconnectSession({ connection_id: connectionId, integration_id: "slack" });
      return (await sandbox.authorizeSession(data.token)).webhook;
    };
    await deliver((await sandbox.failSync(connectionId)).webhook);
    const first = await reconnect();
    expect(await deliver(first)).toEqual({ status: 200, body: { outcome: "APPLIED" } });
    expect((await rowsFor(connectionId)).connection!.status).toBe("ACTIVE");

    await deliver((await sandbox.failSync(connectionId)).webhook);
    expect((await rowsFor(connectionId)).connection!.status).toBe("ERROR");
    const second = await reconnect();
    expect(second.body).toBe(first.body);
    expect(await deliver(second)).toEqual({ status: 200, body: { outcome: "APPLIED" } });
    expect((await rowsFor(connectionId)).connection!.status).toBe("ACTIVE");
    // ...while a true redelivery of it is still a duplicate.
    expect(await deliver(second)).toMatchObject({ status: 200, body: { outcome: "DUPLICATE" } });
  });

  it("rejects an organization_id that is not the end user's organization (logged REJECTED, nothing created)", async () => {
    const stranger = await createOrg();
    const { connectionId, creation } = await connectedUser("github", { organizationTag: stranger.id });
    expect(await deliver(creation)).toMatchObject({
      status: 200,
      body: { outcome: "REJECTED", reason: "organization_id does not match the end user's organization" },
    });
    expect(await rowsFor(connectionId)).toEqual({
      connection: null,
      syncJobs: [],
      deliveries: [{ type: "auth", outcome: "REJECTED", reason: "organization_id does not match the end user's organization" }],
    });
  });

  it("ignores an end user Atlas does not know (200, nothing created)", async () => {
    const { connectionId, creation } = await connectedUser("github", { userId: "no-such-user" });
    expect(await deliver(creation)).toEqual({ status: 200, body: { outcome: "IGNORED", reason: "unknown end user" } });
    expect((await rowsFor(connectionId)).connection).toBeNull();
  });
});

describe("sync webhooks", () => {
  it("success: one PENDING job per run, handed to ingestion, recordsReported = added + updated + deleted", async () => {
    const { connectionId, creation } = await connectedUser("github");
    await deliver(creation);
    await sandbox.simulateSync(connectionId, { added: 5 });
    const run = await sandbox.simulateSync(connectionId, { added: 2, updated: 3, deleted: 1 });
    const handed: string[] = [];
    setIngestionQueue(async (jobId) => void handed.push(jobId));

    expect(await deliver(run.webhook)).toEqual({ status: 200, body: { outcome: "APPLIED" } });

    const rows = await rowsFor(connectionId);
    expect(rows.syncJobs).toEqual([
      {
        syncId: syncIdFor({ connectionId, syncName: "issues", syncVariant: "base", model: "Issue" }, run.modifiedAfter),
        status: "PENDING",
        recordsProcessed: 0,
        recordsReported: 6,
        model: "Issue",
        modifiedAfter: new Date(run.modifiedAfter),
        errors: null,
        startedAt: new Date(run.modifiedAfter),
        completedAt: null,
      },
    ]);
    expect(rows.syncJobs[0]!.syncId).toMatch(new RegExp(`^sync_${Date.parse(run.modifiedAfter)}_[0-9a-f]{16}$`));
    expect(rows.connection!.lastSyncAt).toEqual(new Date(run.modifiedAfter));
    const job = await prisma.syncJob.findUniqueOrThrow({ where: { syncId: rows.syncJobs[0]!.syncId } });
    expect(handed).toEqual([job.id]);
  });

  it("without an ingestion queue, the hook marks the job COMPLETED with Nango's count as recordsProcessed", async () => {
    const { connectionId, creation } = await connectedUser("notion");
    await deliver(creation);
    const run = await sandbox.simulateSync(connectionId, { added: 4 });
    await deliver(run.webhook);
    expect((await rowsFor(connectionId)).syncJobs).toEqual([
      expect.objectContaining({ status: "COMPLETED", recordsProcessed: 4, recordsReported: 4, completedAt: expect.any(Date) }),
    ]);
  });

  it("out of order: an older run delivered late adds its job but never moves lastSyncAt back", async () => {
    const { connectionId, creation } = await connectedUser("jira");
    await deliver(creation);
    const first = await sandbox.simulateSync(connectionId, { added: 10 });
    const second = await sandbox.simulateSync(connectionId, { updated: 2 });

    await deliver(second.webhook);
    await deliver(first.webhook);

    const rows = await rowsFor(connectionId);
    expect(rows.connection!.lastSyncAt).toEqual(new Date(second.modifiedAfter));
    expect(rows.syncJobs.map((j) => [j.startedAt.toISOString(), j.recordsProcessed])).toEqual([
      [first.modifiedAfter, 10],
      [second.modifiedAfter, 2],
    ]);
  });

  it("failure: a FAILED job with the error, the connection in ERROR; a later success heals it", async () => {
    const { connectionId, creation } = await connectedUser("github");
    await deliver(creation);
    const failure = (await sandbox.failSync(connectionId, { description: "GitHub API returned 502" })).webhook;

    expect(await deliver(failure)).toEqual({ status: 200, body: { outcome: "APPLIED" } });
    const p = failure.payload as { startedAt: string; failedAt: string };
    let rows = await rowsFor(connectionId);
    const error = { message: "GitHub API returned 502", code: "script_error", timestamp: p.failedAt };
    expect(rows.syncJobs).toEqual([
      {
        // Keyed on failedAt: startedAt is the previous successful run's start (see the semantics tests).
        syncId: failureSyncIdFor({ connectionId, syncName: "issues", syncVariant: "base", model: "Issue" }, p.failedAt),
        status: "FAILED",
        recordsProcessed: 0,
        recordsReported: null,
        model: "Issue",
        modifiedAfter: null,
        errors: [error],
        startedAt: new Date(p.failedAt),
        completedAt: new Date(p.failedAt),
      },
    ]);
    expect(rows.connection).toMatchObject({ status: "ERROR", metadata: { lastError: error } });

    // A success older than the failure (delivered late) does not heal it...
    const stale = signWebhook({ ...JSON.parse((await sandbox.simulateSync(connectionId, { added: 1 })).webhook.body), modifiedAfter: new Date(Date.parse(p.failedAt) - 60_000).toISOString() }, SIGNING);
    await deliver(stale);
    expect((await rowsFor(connectionId)).connection!.status).toBe("ERROR");
    // ...a newer one does.
    await deliver((await sandbox.simulateSync(connectionId, { added: 1 })).webhook);
    rows = await rowsFor(connectionId);
    expect(rows.connection!.status).toBe("ACTIVE");
    expect(rows.connection!.metadata).not.toHaveProperty("lastError");
  });

  it("ignores a sync for a connection Atlas does not know (200, nothing created)", async () => {
    const { connectionId } = await connectedUser("github"); // creation webhook never delivered
    const run = await sandbox.simulateSync(connectionId, { added: 3 });
    expect(await deliver(run.webhook)).toEqual({ status: 200, body: { outcome: "IGNORED", reason: "unknown connection" } });
    expect(await rowsFor(connectionId)).toEqual({
      connection: null,
      syncJobs: [],
      deliveries: [{ type: "sync", outcome: "IGNORED", reason: "unknown connection" }],
    });
  });
});

describe("other webhook types", () => {
  it("logs forward webhooks as IGNORED and answers 200", async () => {
    const { connectionId, creation } = await connectedUser("slack");
    await deliver(creation);
    const forward = (await sandbox.forwardWebhook(connectionId, { event: { type: "message" } })).webhook;
    expect(await deliver(forward)).toEqual({ status: 200, body: { outcome: "IGNORED", reason: 'webhook type "forward" is not used by Atlas' } });
    expect((await rowsFor(connectionId)).deliveries).toEqual([
      { type: "auth", outcome: "APPLIED", reason: null },
      { type: "forward", outcome: "IGNORED", reason: 'webhook type "forward" is not used by Atlas' },
    ]);
  });
});

describe("duplicates and concurrency", () => {
  it("a redelivered webhook is logged DUPLICATE and changes nothing", async () => {
    const { connectionId, creation } = await connectedUser("github");
    await deliver(creation);
    expect(await deliver(creation)).toEqual({ status: 200, body: { outcome: "DUPLICATE", reason: "already applied" } });
    const run = await sandbox.simulateSync(connectionId, { added: 7 });
    await deliver(run.webhook);
    const before = await rowsFor(connectionId);
    expect(await deliver(run.webhook)).toEqual({ status: 200, body: { outcome: "DUPLICATE", reason: "already applied" } });
    const after = await rowsFor(connectionId);
    expect(after.connection).toEqual(before.connection);
    expect(after.syncJobs).toEqual(before.syncJobs);
    expect(after.deliveries.map((d) => d.outcome)).toEqual(["APPLIED", "DUPLICATE", "APPLIED", "DUPLICATE"]);
  });

  it("20 concurrent copies of a creation and then of a sync webhook, applied by 4 workers at once, apply exactly once each", async () => {
    const { connectionId, creation } = await connectedUser("github");
    /** All copies stored concurrently (each answered 200), then applied by concurrent workers. */
    async function burst(w: { body: string; headers: Record<string, string> }) {
      const answers = await Promise.all(Array.from({ length: 20 }, () => acceptNangoWebhook(webhookRequest(w))));
      expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
      const ids = answers.map((a) => a.body.id as string);
      const taken = await Promise.all(Array.from({ length: 4 }, () => applyPendingDeliveries({ ids })));
      expect(taken.reduce((a, b) => a + b, 0)).toBe(20);
    }
    await burst(creation);

    const run = await sandbox.simulateSync(connectionId, { added: 9 });
    const handed: string[] = [];
    setIngestionQueue(async (jobId) => void handed.push(jobId));
    await burst(run.webhook);

    const rows = await rowsFor(connectionId);
    expect(await prisma.connection.count({ where: { connectionId } })).toBe(1);
    expect(rows.syncJobs).toEqual([expect.objectContaining({ status: "PENDING", recordsProcessed: 0, recordsReported: 9 })]);
    expect(handed).toHaveLength(1);
    const outcomes = rows.deliveries.map((d) => `${d.type}:${d.outcome}`);
    expect(outcomes.filter((o) => o === "auth:APPLIED")).toHaveLength(1);
    expect(outcomes.filter((o) => o === "auth:DUPLICATE")).toHaveLength(19);
    expect(outcomes.filter((o) => o === "sync:APPLIED")).toHaveLength(1);
    expect(outcomes.filter((o) => o === "sync:DUPLICATE")).toHaveLength(19);
    // In order: the creation (first stored) was applied before any copy was found to be its duplicate.
    expect(outcomes[0]).toBe("auth:APPLIED");
  });
});

describe("refused and rejected deliveries", () => {
  /** Refused at the door: the answer names why, and nothing is written to the database. */
  async function expectRefused(body: string, headers: Record<string, string>, status: number, reason: RegExp, connectionId?: string) {
    const res = await acceptNangoWebhook(webhookRequest({ body, headers }, `198.51.100.${Math.floor(Math.random() * 250)}`));
    expect(res.status).toBe(status);
    expect(String(res.body.error)).toMatch(reason);
    expect(await prisma.webhookDelivery.count({ where: { bodyHash: hashOf(body) } })).toBe(0);
    if (connectionId) expect((await rowsFor(connectionId)).connection).toBeNull();
  }

  it("401 for a missing, forged or wrong-key signature, and for a body altered after signing; no row written", async () => {
    const { connectionId, creation } = await connectedUser("github");
    const { "x-nango-hmac-sha256": _sig, ...unsigned } = creation.headers;
    await expectRefused(creation.body, unsigned, 401, /signature/, connectionId);

    const wrongKey = signWebhook(JSON.parse(creation.body), "not-the-signing-key");
    await expectRefused(wrongKey.body + " ", wrongKey.headers, 401, /signature/, connectionId);

    const forged = { ...creation.headers, "x-nango-hmac-sha256": "0".repeat(64) };
    await expectRefused(creation.body + "  ", forged, 401, /signature/, connectionId);

    const altered = creation.body.replace('"operation":"creation"', '"operation":"override"');
    await expectRefused(altered, creation.headers, 401, /signature/, connectionId);

    // The legacy X-Nango-Signature alone is not accepted.
    const legacyOnly = { "content-type": "application/json", "x-nango-signature": creation.headers["x-nango-signature"]! };
    await expectRefused(creation.body + "   ", legacyOnly, 401, /signature/, connectionId);
  });

  it("401 when Atlas has no signing key configured (fails closed)", async () => {
    const { connectionId, creation } = await connectedUser("github");
    delete process.env.NANGO_WEBHOOK_SIGNING_KEY;
    try {
      await expectRefused(creation.body, creation.headers, 401, /signature/, connectionId);
    } finally {
      process.env.NANGO_WEBHOOK_SIGNING_KEY = SIGNING;
    }
  });

  it("400 for signed but malformed JSON, logged REJECTED without a payload", async () => {
    const body = `{"type":"auth","connectionId":"${crypto.randomUUID()}",`;
    const { headers } = signWebhook({}, SIGNING);
    const signed = { ...headers, "x-nango-hmac-sha256": createHmac("sha256", SIGNING).update(body).digest("hex") };
    const res = await deliver({ body, headers: signed });
    expect(res).toEqual({ status: 400, body: { error: "body is not valid JSON" } });
    const logged = await prisma.webhookDelivery.findMany({ where: { bodyHash: hashOf(body) }, select: { outcome: true, reason: true, payload: true, connectionId: true } });
    expect(logged).toEqual([{ outcome: "REJECTED", reason: "body is not valid JSON", payload: null, connectionId: null }]);
  });

  it("a signed webhook with wrongly typed fields is stored (200), then logged REJECTED naming the field; nothing else written", async () => {
    const { connectionId, creation } = await connectedUser("github");
    await deliver(creation);
    const run = await sandbox.simulateSync(connectionId, { added: 2 });
    const bad = signWebhook({ ...run.webhook.payload, responseResults: { added: "2", updated: 0, deleted: 0 } }, SIGNING);
    expect(await deliver(bad)).toEqual({ status: 200, body: { outcome: "REJECTED", reason: expect.stringMatching(/^invalid sync webhook: responseResults\.added/) } });
    const badDate = signWebhook({ ...run.webhook.payload, modifiedAfter: "yesterday" }, SIGNING);
    expect(await deliver(badDate)).toEqual({ status: 200, body: { outcome: "REJECTED", reason: expect.stringMatching(/modifiedAfter/) } });
    const noConnection = signWebhook({ ...creation.payload, connectionId: 42 }, SIGNING);
    expect(await deliver(noConnection)).toEqual({ status: 200, body: { outcome: "REJECTED", reason: expect.stringMatching(/connectionId/) } });
    expect((await rowsFor(connectionId)).syncJobs).toEqual([]);
  });

  it("413 above the size cap, before anything else; no row written", async () => {
    const huge = signWebhook({ type: "forward", payload: "x".repeat(MAX_WEBHOOK_BYTES) }, SIGNING);
    await expectRefused(huge.body, huge.headers, 413, /larger than/);
  });
});
