// Ingestion end to end, in-process: signed sync webhook → SyncJob PENDING → pg-boss → worker → Nango
// listRecords pages → episodes in the Zep sandbox. Real PostgreSQL, real SDKs, both sandboxes on port 0.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/client";
import { startWorkers, recoverStaleSyncJobs, type WorkersHandle } from "@/lib/queue";
import { createUser } from "@/lib/test/factory";
import { connectedUser, duplicateKeys, startHarness, syncAndDeliver, waitFor, waitForStatus, type Harness } from "@/lib/test/ingest-harness";
import { graphIdFor } from "@/lib/zep";
import { tryLockGraph } from "./graph-lock";
import { ConflictError, NotFoundError } from "@/lib/errors";
import { retrySyncJob, runSyncJob } from "./sync-job";

let h: Harness;
let workers: WorkersHandle;

beforeAll(async () => {
  h = await startHarness();
  workers = await startWorkers({
    ingestion: true,
    maintenance: false,
    settings: {
      maintenanceIntervalSeconds: 1,
      runSchedules: false,
      ingestion: {
        concurrency: 2,
        pollingIntervalSeconds: 0.5,
        retryLimit: 1, // two attempts in all
        retryDelaySeconds: 1,
        retryBackoff: false,
        expireInSeconds: 120,
        timeBudgetSeconds: 5, // long runs continue as new jobs: exercised by the 5,000-record sync
        busyRetrySeconds: 1,
        pageSize: 200,
      },
    },
    // Record Zep's waits instead of sleeping them (Retry-After is still what the error entries say).
    run: { zep: { client: h.zepClient, retry: { sleep: async () => {} } }, progressEvery: { records: 10, ms: 200 } },
  });
}, 60_000);

afterAll(async () => {
  await workers?.stop();
  await h?.stop();
});
afterEach(() => h.zep.setFault(null));

const episodesOf = (graphId: string) => h.zep.episodes(graphId);

describe("webhook → queue → worker", () => {
  it("a 5,000-record sync lands every record exactly once, in the connection's project graph", async () => {
    const { org, nangoConnectionId } = await connectedUser(h, { projectId: "proj_1" });
    const { job } = await syncAndDeliver(h, nangoConnectionId, { added: 5_000 });
    expect(job).toMatchObject({ recordsReported: 5_000, recordsProcessed: 0 });

    const done = await waitForStatus(job.id, ["COMPLETED", "FAILED"], 120_000);

    expect(done).toMatchObject({ status: "COMPLETED", recordsProcessed: 5_000, recordsReported: 5_000, attempts: 1, completedAt: expect.any(Date) });
    const graphId = graphIdFor(org.id, "proj_1");
    const episodes = episodesOf(graphId);
    expect(episodes).toHaveLength(5_000);
    expect(new Set(episodes.map((e) => e.metadata?.recordId)).size).toBe(5_000);
    expect(duplicateKeys(h, graphId)).toEqual([]);
    expect(episodes.every((e) => e.metadata?.connectionId === nangoConnectionId && e.metadata?.provider === "github")).toBe(true);
    // Nothing went to the organization's other graph, and the project now exists as a row.
    // Long runs yield and continue as new queue jobs; attempts counts only the first.
    expect(episodesOf(graphIdFor(org.id, "default"))).toEqual([]);
    expect(await prisma.project.findMany({ where: { organizationId: org.id }, select: { key: true } })).toEqual([{ key: "proj_1" }]);
  }, 150_000);

  it("propagates edits and deletions: a changed record replaces its episodes, a DELETED record's episodes are deleted by uuid", async () => {
    const { org, nangoConnectionId } = await connectedUser(h);
    const graphId = graphIdFor(org.id, "default");
    const first = await syncAndDeliver(h, nangoConnectionId, { added: 10 });
    await waitForStatus(first.job.id, ["COMPLETED"]);
    const before = new Map(episodesOf(graphId).map((e) => [String(e.metadata?.recordId), e.uuid]));
    const second = await syncAndDeliver(h, nangoConnectionId, { updated: 2, deleted: 3 });
    const done = await waitForStatus(second.job.id, ["COMPLETED", "FAILED"]);

    expect(done).toMatchObject({ status: "COMPLETED", recordsProcessed: 5, recordsReported: 5 });
    const episodes = episodesOf(graphId);
    expect(episodes).toHaveLength(7); // 10 - 3 deleted; the 2 updated replaced, not added beside
    const ids = episodes.map((e) => String(e.metadata?.recordId));
    for (const deleted of second.run.records.deleted) expect(ids).not.toContain(deleted);
    for (const updated of second.run.records.updated) {
      const now = episodes.filter((e) => e.metadata?.recordId === updated);
      expect(now.map((e) => e.metadata?.action)).toEqual(["UPDATED"]);
      expect(now[0]!.uuid).not.toBe(before.get(updated));
    }
    expect(duplicateKeys(h, graphId)).toEqual([]);
    // The ledger says the same, by uuid.
    const rows = await prisma.graphWrite.findMany({ where: { graphId, connectionId: nangoConnectionId } });
    expect(rows).toHaveLength(10);
    expect(rows.filter((r) => r.status === "DELETED").map((r) => r.recordId).sort()).toEqual([...second.run.records.deleted].sort());
    expect(rows.filter((r) => r.status === "DELETED").every((r) => r.episodeUuids.length === 0)).toBe(true);
    expect(new Set(rows.flatMap((r) => r.episodeUuids))).toEqual(new Set(episodes.map((e) => e.uuid)));

    // Delivered again (Nango redelivers): nothing is sent to Zep again.
    const writes = () => h.zep.requests(graphId).filter((r) => r.method !== "GET" && !r.path.endsWith("/search")).length;
    const sent = writes();
    await prisma.syncJob.update({ where: { id: second.job.id }, data: { status: "PENDING", cursor: null } });
    expect(await runSyncJob(second.job.id, { zep: { client: h.zepClient } })).toMatchObject({ outcome: "COMPLETED", episodesWritten: 0 });
    expect(writes()).toBe(sent);
  });

  it("a 429 storm longer than one attempt's retries ends COMPLETED, every RATE_LIMIT kept with retryAfter", async () => {
    const { org, nangoConnectionId } = await connectedUser(h);
    // 8 refusals: the first attempt gives up after Zep's 6 tries, the pg-boss retry gets through.
    h.zep.setFault({ status: 429, retryAfterSeconds: 7, times: 8 });
    const { job } = await syncAndDeliver(h, nangoConnectionId, { added: 20 });
    const done = await waitForStatus(job.id, ["COMPLETED", "FAILED"]);

    expect(done).toMatchObject({ status: "COMPLETED", recordsProcessed: 20, attempts: 2 });
    expect(done.errors).toEqual(
      Array.from({ length: 8 }, () => ({ message: expect.stringMatching(/rate limit/i), code: "RATE_LIMIT", timestamp: expect.any(String), retryAfter: 7 })),
    );
    const graphId = graphIdFor(org.id, "default");
    expect(episodesOf(graphId)).toHaveLength(20);
    expect(duplicateKeys(h, graphId)).toEqual([]);
  });

  it("a 5xx burst is absorbed by Zep retries: COMPLETED in one attempt, ZEP_UNAVAILABLE entries kept", async () => {
    const { org, nangoConnectionId } = await connectedUser(h);
    h.zep.setFault({ status: 503, times: 3 });
    const { job } = await syncAndDeliver(h, nangoConnectionId, { added: 15 });
    const done = await waitForStatus(job.id, ["COMPLETED", "FAILED"]);

    expect(done).toMatchObject({ status: "COMPLETED", recordsProcessed: 15, attempts: 1 });
    expect(done.errors).toEqual(
      Array.from({ length: 3 }, () => ({ message: expect.stringMatching(/503/), code: "ZEP_UNAVAILABLE", timestamp: expect.any(String) })),
    );
    expect(episodesOf(graphIdFor(org.id, "default"))).toHaveLength(15);
  });
});

describe("failure and manual retry", () => {
  it("fails mid-run after the last attempt with every error kept; retrySyncJob resumes from the cursor, writing nothing twice", async () => {
    const { org, scope, nangoConnectionId } = await connectedUser(h);
    const graphId = graphIdFor(org.id, "default");
    h.zep.setFault({ delayMs: 3, times: 1_000_000 }); // slow Zep down so the outage starts mid-run
    const { job } = await syncAndDeliver(h, nangoConnectionId, { added: 400 });
    await waitFor(async () => ((await prisma.syncJob.findUniqueOrThrow({ where: { id: job.id } })).recordsProcessed >= 30 ? true : undefined), "progress");
    h.zep.setFault({ status: 500, times: 1_000 });

    const failed = await waitForStatus(job.id, ["FAILED", "COMPLETED"]);
    h.zep.setFault(null);
    expect(failed).toMatchObject({ status: "FAILED", attempts: 2, completedAt: expect.any(Date), cursor: expect.any(String) });
    expect(failed.recordsProcessed).toBeGreaterThanOrEqual(30);
    expect(failed.recordsProcessed).toBeLessThan(400);
    // Zep's 6 tries per attempt, two attempts, for each record in flight when the outage began (up to
    // ATLAS_INGEST_WRITES_PER_GRAPH): every one of those 500s is on the job.
    const errorCount = (failed.errors as unknown[]).length;
    const lanes = errorCount / 12;
    expect(Number.isInteger(lanes) && lanes >= 1 && lanes <= 8, `${errorCount} errors`).toBe(true);
    expect(failed.errors).toEqual(Array.from({ length: 12 * lanes }, () => expect.objectContaining({ code: "ZEP_UNAVAILABLE" })));

    // Someone who cannot see the job cannot retry it; its owner can.
    const stranger = await createUser(org.id);
    await expect(retrySyncJob({ organizationId: org.id, userId: stranger.id, role: "MEMBER" }, job.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(retrySyncJob(scope, job.id)).resolves.toEqual({ id: job.id, status: "PENDING" });

    const done = await waitForStatus(job.id, ["COMPLETED", "FAILED"]);
    // A manual retry starts a fresh set of attempts (the earlier errors stay on the job).
    expect(done).toMatchObject({ status: "COMPLETED", recordsProcessed: 400, attempts: 1, completedAt: expect.any(Date) });
    expect(done.errors).toHaveLength(12 * lanes);
    expect(episodesOf(graphId)).toHaveLength(400);
    expect(duplicateKeys(h, graphId)).toEqual([]);
    // Every record was sent to Zep exactly once (accepted writes), across the three attempts.
    const accepted = h.zep.requests(graphId).filter((r) => r.method === "POST" && r.path.endsWith("/api/v2/graph") && r.status === 202);
    expect(accepted).toHaveLength(400);
    await expect(retrySyncJob(scope, job.id)).rejects.toBeInstanceOf(ConflictError);
  });
});

describe("retrying what cannot be resumed", () => {
  it("refuses to retry a sync that failed in Nango (no records, nothing to resume from) and changes nothing", async () => {
    const { scope, nangoConnectionId, connection } = await connectedUser(h);
    const failed = await h.nango.failSync(nangoConnectionId);
    const { deliverWebhook } = await import("@/lib/test/webhooks");
    expect((await deliverWebhook(failed.webhook)).status).toBe(200);
    const job = await prisma.syncJob.findFirstOrThrow({ where: { connectionId: connection.id } });
    expect(job).toMatchObject({ status: "FAILED", cursor: null, modifiedAfter: null });
    await expect(retrySyncJob(scope, job.id)).rejects.toThrow(/Sync now/);
    expect(await prisma.syncJob.findUniqueOrThrow({ where: { id: job.id } })).toEqual(job);
  });
});

describe("serialization and recovery", () => {
  it("does not start a job while another process holds its graph; runs it once the graph is free", async () => {
    const { org, nangoConnectionId } = await connectedUser(h);
    const graphId = graphIdFor(org.id, "default");
    const held = await tryLockGraph(graphId);
    expect(held).not.toBeNull();
    expect(await tryLockGraph(graphId)).toBeNull(); // a second session cannot take it
    const other = await tryLockGraph(graphIdFor(org.id, "other")); // other graphs are independent
    expect(other).not.toBeNull();
    await other!.release();

    const { job } = await syncAndDeliver(h, nangoConnectionId, { added: 5 });
    // Direct run: refused while the graph is held.
    expect(await runSyncJob(job.id, { zep: { client: h.zepClient } })).toEqual({ outcome: "BUSY", graphId });
    // The queued job keeps being offered again; it stays PENDING until the lock is released.
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await prisma.syncJob.findUniqueOrThrow({ where: { id: job.id } })).status).toBe("PENDING");
    expect(episodesOf(graphId)).toEqual([]);
    await held!.release();
    expect(await waitForStatus(job.id, ["COMPLETED", "FAILED"])).toMatchObject({ status: "COMPLETED", recordsProcessed: 5 });
  });

  it("re-sends sync jobs that lost their queue job, and fails those that used every attempt", async () => {
    const { org, connection, nangoConnectionId } = await connectedUser(h);
    const run = await h.nango.simulateSync(nangoConnectionId, { added: 4 }); // webhook never delivered
    const orphan = await prisma.syncJob.create({
      data: { syncId: `sync_orphan_${job()}`, connectionId: connection.id, status: "PENDING", model: "Issue", modifiedAfter: new Date(run.modifiedAfter), recordsReported: 4 },
    });
    const exhausted = await prisma.syncJob.create({
      data: {
        syncId: `sync_lost_${job()}`,
        connectionId: connection.id,
        status: "IN_PROGRESS",
        attempts: 2,
        model: "Issue",
        modifiedAfter: new Date(run.modifiedAfter),
        startedAt: new Date(Date.now() - 60_000),
      },
    });
    // Not made by a webhook (imported, demo data): nothing to resume from, so recovery leaves it alone.
    const imported = await prisma.syncJob.create({ data: { syncId: `sync_imported_${job()}`, connectionId: connection.id, status: "IN_PROGRESS" } });

    expect(await recoverStaleSyncJobs({ organizationId: org.id })).toBe(2);

    expect(await waitForStatus(orphan.id, ["COMPLETED", "FAILED"])).toMatchObject({ status: "COMPLETED", recordsProcessed: 4 });
    const lost = await prisma.syncJob.findUniqueOrThrow({ where: { id: exhausted.id } });
    expect(lost).toMatchObject({ status: "FAILED", errors: [expect.objectContaining({ code: "WORKER_LOST" })] });
    // Nothing left to recover.
    expect(await recoverStaleSyncJobs({ organizationId: org.id })).toBe(0);
    expect(await prisma.syncJob.findUniqueOrThrow({ where: { id: imported.id } })).toMatchObject({ status: "IN_PROGRESS", attempts: 0 });
  });
});

let n = 0;
const job = () => `${Date.now()}_${n++}`;
