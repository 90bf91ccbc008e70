// Nango's webhook semantics as its source has them (failure startedAt, comma-joined models, failed
// re-authorizations and creations, signing-key rotation), and the inbox's promises (in order per connection,
// retried until it succeeds, replay idempotent). Bodies are built here field by field, as Nango builds them.
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/client";
import { createConnection, createOrg, createUser } from "@/lib/test/factory";
import { deliverWebhook, webhookRequest } from "@/lib/test/webhooks";
import { signWebhook } from "@/sandbox/nango";
import { acceptNangoWebhook, applyPendingDeliveries, failureSyncIdFor, replayDelivery, syncIdFor } from ".";
import { setIngestionQueue } from "../ingestion";

const KEY = "whsec-semantics";
process.env.NANGO_WEBHOOK_SIGNING_KEY = KEY;
delete process.env.NANGO_WEBHOOK_PREVIOUS_SIGNING_KEY;
afterEach(() => setIngestionQueue(null));

async function connected(metadata: Record<string, unknown> = {}) {
  const org = await createOrg();
  const user = await createUser(org.id);
  const connection = await createConnection(user, { metadata: { integrationId: "github", projectId: "default", accountName: "octocat", ...metadata } });
  return { org, user, connection };
}

const sync = <T extends Record<string, unknown>>(connectionId: string, extra: T) => ({
  connectionId,
  from: "nango",
  model: "Issue",
  providerConfigKey: "github",
  syncName: "issues",
  syncType: "INCREMENTAL",
  syncVariant: "base",
  type: "sync",
  ...extra,
});
const success = (connectionId: string, modifiedAfter: string, added = 1) =>
  sync(connectionId, { modifiedAfter, queryTimeStamp: modifiedAfter, responseResults: { added, updated: 0, deleted: 0 }, success: true });
const failure = (connectionId: string, startedAt: string, failedAt: string, model = "Issue") =>
  sync(connectionId, { error: { type: "script_error", description: `failed at ${failedAt}` }, failedAt, model, startedAt, success: false });

const deliver = (payload: unknown, key = KEY) => deliverWebhook(signWebhook(payload, key));
const jobsOf = (connectionRowId: string) =>
  prisma.syncJob.findMany({ where: { connectionId: connectionRowId }, orderBy: { startedAt: "asc" }, select: { syncId: true, status: true, model: true, startedAt: true, completedAt: true } });

describe("sync failures (startedAt is the previous successful run's start)", () => {
  it("each failure is its own FAILED job: two in a row (same startedAt) are two jobs, a redelivery changes nothing, the earlier success stays", async () => {
    const { connection } = await connected();
    const c = connection.connectionId;
    const successAt = "2026-05-01T10:00:00.000Z";
    expect(await deliver(success(c, successAt))).toMatchObject({ status: 200, body: { outcome: "APPLIED" } });

    // Nango: startedAt = lastSyncDate = the previous success's modifiedAfter, for every failure after it.
    const first = failure(c, successAt, "2026-05-01T11:00:05.000Z");
    const second = failure(c, successAt, "2026-05-01T12:00:07.000Z");
    expect(await deliver(first)).toMatchObject({ body: { outcome: "APPLIED" } });
    expect(await deliver(first)).toMatchObject({ body: { outcome: "DUPLICATE" } });
    expect(await deliver(second)).toMatchObject({ body: { outcome: "APPLIED" } });

    const identity = { connectionId: c, syncName: "issues", syncVariant: "base", model: "Issue" };
    expect(await jobsOf(connection.id)).toEqual([
      // The success keeps its own job (ingestion's; no queue here, so completed with Nango's count).
      { syncId: syncIdFor(identity, successAt), status: "COMPLETED", model: "Issue", startedAt: new Date(successAt), completedAt: expect.any(Date) },
      { syncId: failureSyncIdFor(identity, first.failedAt), status: "FAILED", model: "Issue", startedAt: new Date(first.failedAt), completedAt: new Date(first.failedAt) },
      { syncId: failureSyncIdFor(identity, second.failedAt), status: "FAILED", model: "Issue", startedAt: new Date(second.failedAt), completedAt: new Date(second.failedAt) },
    ]);
    expect(await prisma.connection.findUniqueOrThrow({ where: { id: connection.id } })).toMatchObject({
      status: "ERROR",
      metadata: { lastError: { code: "script_error", message: `failed at ${second.failedAt}`, timestamp: second.failedAt } },
    });
  });

  it("a failure of a multi-model sync names its models joined with commas, and is accepted as one FAILED job", async () => {
    const { connection } = await connected();
    const payload = failure(connection.connectionId, "2026-05-02T10:00:00.000Z", "2026-05-02T10:05:00.000Z", "Issue,PullRequest");
    expect(await deliver(payload)).toEqual({ status: 200, id: expect.any(String), body: { outcome: "APPLIED" } });
    expect(await jobsOf(connection.id)).toEqual([expect.objectContaining({ status: "FAILED", model: "Issue,PullRequest" })]);
  });
});

describe("failed authorizations", () => {
  it("a failed re-authorization shows on the connection (lastAuthError) and in the log, and leaves its status alone; a later success clears it", async () => {
    const { connection } = await connected();
    await prisma.connection.update({ where: { id: connection.id }, data: { status: "EXPIRED" } });
    const base = { authMode: "OAUTH2", connectionId: connection.connectionId, environment: "dev", from: "nango", provider: "github", providerConfigKey: "github", type: "auth" };
    const failed = { ...base, error: { description: "The user denied access", type: "oauth2_access_denied" }, operation: "override", success: false };

    expect(await deliver(failed)).toEqual({
      status: 200,
      id: expect.any(String),
      body: { outcome: "APPLIED", reason: "re-authorization failed (oauth2_access_denied: The user denied access)" },
    });
    const after = await prisma.connection.findUniqueOrThrow({ where: { id: connection.id } });
    expect(after.status).toBe("EXPIRED");
    expect(after.metadata).toMatchObject({ accountName: "octocat", lastAuthError: { code: "oauth2_access_denied", message: "The user denied access", timestamp: expect.any(String) } });

    expect(await deliver({ ...base, operation: "override", success: true, tags: {} })).toMatchObject({ body: { outcome: "APPLIED" } });
    const healed = await prisma.connection.findUniqueOrThrow({ where: { id: connection.id } });
    expect(healed.status).toBe("ACTIVE");
    expect(healed.metadata).not.toHaveProperty("lastAuthError");
  });

  it("a failed creation without a usable connection id is logged IGNORED with its reason (not refused)", async () => {
    const body = { error: { description: "Missing scopes", type: "missing_scopes" }, from: "nango", operation: "creation", provider: "github", providerConfigKey: "github", success: false, type: "auth" };
    for (const variant of [body, { ...body, connectionId: "" }, { ...body, connectionId: null }]) {
      expect(await deliver({ ...variant, nonce: randomUUID() })).toEqual({
        status: 200,
        id: expect.any(String),
        body: { outcome: "IGNORED", reason: "failed creation without a usable connection id (missing_scopes: Missing scopes)" },
      });
    }
    const withId = { ...body, connectionId: randomUUID() };
    expect(await deliver(withId)).toMatchObject({ status: 200, body: { outcome: "IGNORED", reason: "failed creation (missing_scopes: Missing scopes): no connection to record" } });
    expect(await prisma.connection.count({ where: { connectionId: withId.connectionId } })).toBe(0);
  });
});

describe("signing-key rotation", () => {
  it("accepts the previous key while NANGO_WEBHOOK_PREVIOUS_SIGNING_KEY is set, and never a third one", async () => {
    const { connection } = await connected();
    const payload = (n: number) => success(connection.connectionId, `2026-05-03T10:0${n}:00.000Z`);
    expect((await deliver(payload(1), "whsec-old")).status).toBe(401);
    process.env.NANGO_WEBHOOK_PREVIOUS_SIGNING_KEY = "whsec-old";
    try {
      expect(await deliver(payload(2), "whsec-old")).toMatchObject({ status: 200, body: { outcome: "APPLIED" } });
      expect(await deliver(payload(3), KEY)).toMatchObject({ status: 200, body: { outcome: "APPLIED" } });
      expect((await deliver(payload(4), "whsec-someone-else")).status).toBe(401);
    } finally {
      delete process.env.NANGO_WEBHOOK_PREVIOUS_SIGNING_KEY;
    }
    expect((await deliver(payload(5), "whsec-old")).status).toBe(401);
    expect((await jobsOf(connection.id)).length).toBe(2);
  });
});

describe("the inbox", () => {
  it("applies one connection's deliveries in the order they arrived, even with several workers at once", async () => {
    const org = await createOrg();
    const user = await createUser(org.id);
    const c = randomUUID();
    // The creation arrives first, then ten syncs: each sync needs the connection the creation makes.
    const creation = { authMode: "OAUTH2", connectionId: c, endUser: { endUserId: user.id }, from: "nango", operation: "creation", provider: "github", providerConfigKey: "github", success: true, tags: { organization_id: org.id }, type: "auth" };
    const ids: string[] = [];
    for (const payload of [creation, ...Array.from({ length: 10 }, (_, i) => success(c, new Date(Date.UTC(2026, 4, 4, 10, i)).toISOString()))]) {
      const answer = await acceptNangoWebhook(webhookRequest(signWebhook(payload, KEY)));
      ids.push(answer.body.id as string);
    }
    await Promise.all(Array.from({ length: 4 }, () => applyPendingDeliveries({ ids })));
    const rows = await prisma.webhookDelivery.findMany({ where: { id: { in: ids } }, orderBy: { seq: "asc" }, select: { outcome: true, appliedAt: true } });
    expect(rows.map((r) => r.outcome)).toEqual(Array(11).fill("APPLIED"));
    const applied = rows.map((r) => r.appliedAt!.getTime());
    expect(applied).toEqual([...applied].sort((a, b) => a - b));
    expect(await prisma.syncJob.count({ where: { connection: { connectionId: c } } })).toBe(10);
  });

  it("a delivery whose application fails is kept, retried later, and applied exactly once when it can be; it does not hold back the others of its batch", async () => {
    const { connection } = await connected();
    const model = `Boom${randomUUID().replace(/-/g, "")}`;
    // A real database error on this delivery's SyncJob only (other test files share the table).
    await prisma.$executeRawUnsafe(`
      CREATE OR REPLACE FUNCTION "boom_${model}"() RETURNS trigger AS $$
      BEGIN IF NEW.model = '${model}' THEN RAISE EXCEPTION 'simulated outage'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`);
    await prisma.$executeRawUnsafe(`CREATE TRIGGER "boom_${model}" BEFORE INSERT ON "SyncJob" FOR EACH ROW EXECUTE FUNCTION "boom_${model}"()`);
    try {
      const answer = await deliverWebhook(signWebhook({ ...success(connection.connectionId, "2026-05-05T10:00:00.000Z"), model }, KEY));
      expect(answer).toMatchObject({ status: 200, body: { outcome: "RECEIVED" } });
      const kept = await prisma.webhookDelivery.findUniqueOrThrow({ where: { id: answer.id } });
      expect(kept).toMatchObject({ outcome: "RECEIVED", attempts: 1, lastError: expect.stringContaining("simulated outage"), retryAt: expect.any(Date) });
      // Not before its retry time.
      expect(await applyPendingDeliveries({ ids: [answer.id!] })).toBe(0);
    } finally {
      await prisma.$executeRawUnsafe(`DROP TRIGGER IF EXISTS "boom_${model}" ON "SyncJob"`);
      await prisma.$executeRawUnsafe(`DROP FUNCTION IF EXISTS "boom_${model}"()`);
    }
    // In one batch with another connection's delivery, a failing one does not hold the other back.
    const [boom, other] = [await connected(), await connected()];
    const stored = await Promise.all(
      [{ ...success(boom.connection.connectionId, "2026-05-05T11:00:00.000Z"), model }, success(other.connection.connectionId, "2026-05-05T11:00:00.000Z")].map(
        async (p) => (await acceptNangoWebhook(webhookRequest(signWebhook(p, KEY)))).body.id as string,
      ),
    );
    await prisma.$executeRawUnsafe(`
      CREATE OR REPLACE FUNCTION "boom2_${model}"() RETURNS trigger AS $$
      BEGIN IF NEW.model = '${model}' THEN RAISE EXCEPTION 'simulated outage'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`);
    await prisma.$executeRawUnsafe(`CREATE TRIGGER "boom2_${model}" BEFORE INSERT ON "SyncJob" FOR EACH ROW EXECUTE FUNCTION "boom2_${model}"()`);
    try {
      expect(await applyPendingDeliveries({ ids: stored })).toBe(2);
    } finally {
      await prisma.$executeRawUnsafe(`DROP TRIGGER IF EXISTS "boom2_${model}" ON "SyncJob"`);
      await prisma.$executeRawUnsafe(`DROP FUNCTION IF EXISTS "boom2_${model}"()`);
    }
    const [held, passed] = await Promise.all(stored.map((id) => prisma.webhookDelivery.findUniqueOrThrow({ where: { id } })));
    expect(held).toMatchObject({ outcome: "RECEIVED", attempts: 1 });
    expect(passed).toMatchObject({ outcome: "APPLIED", attempts: 1 });

    const row = await prisma.webhookDelivery.findFirstOrThrow({ where: { connectionId: connection.connectionId }, orderBy: { seq: "asc" } });
    await prisma.webhookDelivery.updateMany({ where: { id: { in: [row.id, held!.id] } }, data: { retryAt: new Date() } });
    expect(await applyPendingDeliveries({ ids: [row.id, held!.id] })).toBe(2);
    expect(await prisma.webhookDelivery.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({ outcome: "APPLIED", attempts: 2 });
    expect(await prisma.webhookDelivery.findUniqueOrThrow({ where: { id: held!.id } })).toMatchObject({ outcome: "APPLIED", attempts: 2 });
    expect(await jobsOf(connection.id)).toEqual([expect.objectContaining({ model })]);
    expect(await jobsOf(boom.connection.id)).toEqual([expect.objectContaining({ model })]);
  });

  it("replay stores the same body again and applies it idempotently (DUPLICATE for what was applied; applied for what can be now)", async () => {
    const { org, user, connection } = await connected();
    const first = await deliver(success(connection.connectionId, "2026-05-06T10:00:00.000Z"));
    const replay = await replayDelivery({ organizationId: org.id }, first.id!);
    await applyPendingDeliveries({ ids: [replay.id] });
    expect(await prisma.webhookDelivery.findUniqueOrThrow({ where: { id: replay.id } })).toMatchObject({ outcome: "DUPLICATE", replayOf: first.id, organizationId: org.id });
    expect((await jobsOf(connection.id)).length).toBe(1);

    // Another organization cannot replay it.
    await expect(replayDelivery({ organizationId: (await createOrg()).id }, first.id!)).rejects.toThrow(/does not exist/);

    // A sync that arrived before its connection existed was ignored; once the connection exists, replay applies it.
    const later = randomUUID();
    const early = await deliver(success(later, "2026-05-06T11:00:00.000Z"));
    expect(early.body).toEqual({ outcome: "IGNORED", reason: "unknown connection" });
    const created = await prisma.connection.create({ data: { connectionId: later, provider: "GITHUB", userId: user.id, organizationId: org.id, metadata: { integrationId: "github" } } });
    await prisma.webhookDelivery.update({ where: { id: early.id }, data: { organizationId: org.id } });
    const again = await replayDelivery({ organizationId: org.id }, early.id!);
    await applyPendingDeliveries({ ids: [again.id] });
    expect(await prisma.webhookDelivery.findUniqueOrThrow({ where: { id: again.id } })).toMatchObject({ outcome: "APPLIED" });
    expect((await jobsOf(created.id)).length).toBe(1);
  });
});

describe("a webhook and a person changing one connection at once", () => {
  // The e2e audit spec once lost a pause this way: "Sync now", then "Pause syncs" while the sync's webhook was
  // applied; the webhook wrote back the metadata it had read before the pause committed.
  it("a sync webhook applied while a pause commits keeps the pause, and still answers the pending 'Sync now'", async () => {
    const { connection } = await connected({ syncRequestedAt: "2026-05-05T09:59:00.000Z" });
    const answer = await acceptNangoWebhook(webhookRequest(signWebhook(success(connection.connectionId, "2026-05-05T10:00:00.000Z"), KEY)));
    let applying: Promise<number> | undefined;
    await prisma.$transaction(async (tx) => {
      // A pause as pauseSyncs writes it (keys changed in place), not committed yet while the webhook is applied.
      await tx.$executeRaw`UPDATE "Connection" SET metadata = metadata || '{"syncsPausedAt": "2026-05-05T10:00:01.000Z"}'::jsonb WHERE id = ${connection.id}`;
      applying = applyPendingDeliveries({ ids: [answer.body.id as string] });
      await new Promise((resolve) => setTimeout(resolve, 300));
    });
    expect(await applying).toBe(1);
    const { metadata } = await prisma.connection.findUniqueOrThrow({ where: { id: connection.id }, select: { metadata: true } });
    expect(metadata).toMatchObject({ syncsPausedAt: "2026-05-05T10:00:01.000Z", accountName: "octocat" });
    expect(metadata).not.toHaveProperty("syncRequestedAt");
  });
});
