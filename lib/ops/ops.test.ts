// Stalled syncs and cancellation against PostgreSQL (the progressAt trigger) and the sandboxes (a worker
// really stopping at a record boundary).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/client";
import type { Scope } from "@/lib/data/scope";
import { loadSyncHistory, parseSyncFilters, runningSyncs } from "@/lib/dashboard/sync-history";
import { runSyncJob } from "@/lib/ingest/sync-job";
import { leavePending, setIngestionQueue } from "@/lib/nango/ingestion";
import { createConnection, createOrg, createSyncJob, createUser } from "@/lib/test/factory";
import { connectedUser, startHarness, syncAndDeliver, waitFor, type Harness } from "@/lib/test/ingest-harness";
import { graphIdFor } from "@/lib/zep";
import { isStalled, stalledAfterMs } from "./stalled";
import { opsSummary } from "./summary";
import { cancelSyncJob } from "./sync-control";
import { retryFailedMatching } from "./bulk";
import { ForbiddenError } from "@/lib/errors";

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);

/** A job whose last progress was `minutes` ago (an update of progressAt alone is not progress: it stays). */
async function jobIdle(connectionId: string, minutes: number, opts: Parameters<typeof createSyncJob>[1]) {
  const job = await createSyncJob(connectionId, { ...opts, startedAt: minutesAgo(minutes) });
  return prisma.syncJob.update({ where: { id: job.id }, data: { progressAt: minutesAgo(minutes) } });
}

async function admin() {
  const org = await createOrg();
  const user = await createUser(org.id, { role: "ADMIN" });
  const scope: Scope = { organizationId: org.id, userId: user.id, role: "ADMIN" };
  return { org, user, scope };
}

describe("stalled", () => {
  it("a running job without progress for ATLAS_STALLED_AFTER_MINUTES is stalled; any progress (count, cursor, status) clears it", async () => {
    // A row inserted with a given progressAt keeps it (a restored backup is row for row).
    const kept = new Date(Date.UTC(2026, 0, 1));
    const { user: u0 } = await admin();
    const restored = await prisma.syncJob.create({ data: { syncId: `restored_${Date.now()}`, connectionId: (await createConnection(u0)).id, status: "COMPLETED", progressAt: kept } });
    expect(restored.progressAt).toEqual(kept);
    expect(stalledAfterMs()).toBe(30 * 60_000); // the default
    const { user, scope } = await admin();
    const c = await createConnection(user);
    // Last progress an hour ago, 45 minutes ago, 5 minutes ago; a finished job is never stalled.
    const stuck = await jobIdle(c.id, 60, { status: "IN_PROGRESS", recordsProcessed: 42 });
    const waiting = await jobIdle(c.id, 45, { status: "PENDING" });
    const fresh = await jobIdle(c.id, 5, { status: "IN_PROGRESS" });
    const oldDone = await jobIdle(c.id, 600, { status: "COMPLETED" });
    const read = (id: string) => prisma.syncJob.findUniqueOrThrow({ where: { id } });
    expect([stuck, waiting, fresh, oldDone].map((j) => isStalled(j))).toEqual([true, true, false, false]);

    const stalledIds = async () => (await loadSyncHistory(scope, parseSyncFilters({ status: "STALLED" }))).jobs.map((j) => j.id).sort();
    expect(await stalledIds()).toEqual([stuck.id, waiting.id].sort());
    expect((await loadSyncHistory(scope, parseSyncFilters({}))).jobs.find((j) => j.id === stuck.id)?.stalled).toBe(true);
    expect(await opsSummary(scope)).toMatchObject({ stalled: 2 });
    // The overview's running syncs (polled) carry the flag too.
    expect((await runningSyncs(scope)).map((j) => [j.id, j.stalled]).sort()).toEqual([[stuck.id, true], [waiting.id, true], [fresh.id, false]].sort());

    // Progress, whoever writes it: a count change moves progressAt (the trigger), an unrelated change does not.
    await prisma.syncJob.update({ where: { id: stuck.id }, data: { recordsProcessed: 43 } });
    expect(isStalled(await read(stuck.id))).toBe(false);
    await prisma.syncJob.update({ where: { id: waiting.id }, data: { recordsReported: 120 } });
    expect(isStalled(await read(waiting.id))).toBe(true);
    await prisma.$executeRaw`UPDATE "SyncJob" SET status = 'IN_PROGRESS' WHERE id = ${waiting.id}`;
    expect(await stalledIds()).toEqual([]);
  });

  it("counts paused connections and those Atlas paused itself", async () => {
    const { user, scope } = await admin();
    await createConnection(user, { metadata: { syncsPausedAt: new Date().toISOString() } });
    await createConnection(user, { metadata: { syncsPausedAt: new Date().toISOString(), syncsPausedReason: "5 failed syncs in a row" } });
    await createConnection(user, { metadata: { accountName: "x" } });
    expect(await opsSummary(scope)).toEqual({ stalled: 0, paused: 2, autoPaused: 1 });
  });
});

describe("cancel", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    // No worker: webhook jobs stay PENDING; the test runs ingestion itself.
    setIngestionQueue(leavePending);
  }, 60_000);
  afterAll(async () => {
    setIngestionQueue(null);
    await h?.stop();
  });

  it("a running ingestion stops at a record boundary once cancelled, and nothing overwrites the cancellation", async () => {
    const { scope, nangoConnectionId, org, connection } = await connectedUser(h, { role: "ADMIN" });
    const { job } = await syncAndDeliver(h, nangoConnectionId, { added: 3000 });
    const run = runSyncJob(job.id, { zep: { client: h.zepClient }, pageSize: 50, progressEvery: { records: 5, ms: 20 } });
    await waitFor(async () => (await prisma.syncJob.findUniqueOrThrow({ where: { id: job.id } })).recordsProcessed > 0, "first progress");
    await cancelSyncJob(scope, job.id);

    expect(await run).toEqual({ outcome: "SKIPPED", reason: "the sync job was cancelled" });
    const after = await prisma.syncJob.findUniqueOrThrow({ where: { id: job.id } });
    expect(after.status).toBe("FAILED");
    expect(after.errors).toEqual(expect.arrayContaining([expect.objectContaining({ code: "CANCELLED" })]));
    // It stopped early: far from all 3,000 records reached the graph.
    const episodes = h.zep.episodes(graphIdFor(org.id, "default")).length;
    expect(episodes).toBeGreaterThan(0);
    expect(episodes).toBeLessThan(3000);
    // A later run (a continuation already queued) does nothing.
    expect(await runSyncJob(job.id, { zep: { client: h.zepClient } })).toMatchObject({ outcome: "SKIPPED" });
    expect(connection.organizationId).toBe(org.id);
  });

  it("bulk retry sends back every resumable failed job the filters select, and only those", async () => {
    const { org, user, scope } = await admin();
    const notion = await createConnection(user, { provider: "NOTION" });
    const github = await createConnection(user, { provider: "GITHUB" });
    const failed = async (connectionId: string, resumable: boolean) => {
      const j = await createSyncJob(connectionId, { status: "FAILED" });
      if (resumable) await prisma.syncJob.update({ where: { id: j.id }, data: { modifiedAfter: new Date(Date.now() - 86_400_000) } });
      return j;
    };
    const picked = [await failed(notion.id, true), await failed(notion.id, true), await failed(notion.id, true)];
    const inNango = await failed(notion.id, false);
    const otherProvider = await failed(github.id, true);
    const done = await createSyncJob(notion.id, { status: "COMPLETED" });

    // The filters' status is replaced by FAILED: "retry every failed job matching these filters".
    expect(await retryFailedMatching(scope, { provider: "NOTION", status: "COMPLETED" })).toEqual({ retried: 3, notResumable: 1, errors: 0, more: false });
    const status = async (id: string) => (await prisma.syncJob.findUniqueOrThrow({ where: { id } })).status;
    for (const j of picked) expect(await status(j.id)).toBe("PENDING");
    expect([await status(inNango.id), await status(otherProvider.id), await status(done.id)]).toEqual(["FAILED", "FAILED", "COMPLETED"]);
    const actions = (await prisma.auditEvent.findMany({ where: { organizationId: org.id } })).map((e) => e.action).sort();
    expect(actions).toEqual(["sync.bulk_retried", "sync.retried", "sync.retried", "sync.retried"]);
    await expect(retryFailedMatching({ ...scope, role: "MEMBER" }, {})).rejects.toBeInstanceOf(ForbiddenError);
  });
});
