// Retention on the shared test database: every call is scoped to the test's own organization, so other
// test files' rows are never touched (production runs are unscoped).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { prisma } from "@/lib/db/client";
import { getBoss, QUEUES, startWorkers, type WorkersHandle } from "@/lib/queue";
import { ACTIVITY_FOLD_QUEUE } from "@/lib/queue/settings";
import { createConnection, createOrg, createSyncJob, createUser } from "@/lib/test/factory";
import { waitFor } from "@/lib/test/ingest-harness";
import { lastMaintenanceRuns, MAINTENANCE_TASKS, purgeExpiredSessions, purgeOldSyncJobs, purgeWebhookLog } from "./retention";

const DAY = 86_400_000;
const NOW = new Date("2026-11-20T12:00:00.000Z");
const daysAgo = (d: number) => new Date(NOW.getTime() - d * DAY);

async function jobsOf(connectionId: string) {
  return (await prisma.syncJob.findMany({ where: { connectionId }, orderBy: { startedAt: "asc" }, select: { startedAt: true } })).map((j) =>
    Math.round((NOW.getTime() - j.startedAt.getTime()) / DAY),
  );
}

describe("purgeWebhookLog", () => {
  it("deletes the organization's webhook log entries older than the cutoff, and only those", async () => {
    const org = await createOrg();
    const other = await createOrg();
    const entry = (organizationId: string, days: number) =>
      prisma.webhookDelivery.create({ data: { organizationId, outcome: "APPLIED", type: "sync", bodyHash: randomUUID(), receivedAt: daysAgo(days) } });
    const [old1, old2, recent, theirs] = [await entry(org.id, 45), await entry(org.id, 31), await entry(org.id, 29), await entry(other.id, 400)];

    const result = await purgeWebhookLog({ now: NOW, olderThanDays: 30, organizationId: org.id });

    expect(result).toMatchObject({ task: "purge-webhook-log", rowsRemoved: 2, error: null });
    const left = await prisma.webhookDelivery.findMany({ where: { id: { in: [old1.id, old2.id, recent.id, theirs.id] } }, select: { id: true } });
    expect(left.map((r) => r.id).sort()).toEqual([recent.id, theirs.id].sort());
  });
});

describe("purgeOldSyncJobs", () => {
  it("deletes exactly the jobs older than the cutoff, keeping each connection's latest and running ones", async () => {
    const org = await createOrg();
    const user = await createUser(org.id);
    const busy = await createConnection(user);
    const quiet = await createConnection(user);
    const stuck = await createConnection(user);
    for (const d of [200, 120, 91, 89, 10]) await createSyncJob(busy.id, { startedAt: daysAgo(d) });
    for (const d of [300, 200]) await createSyncJob(quiet.id, { startedAt: daysAgo(d), status: "FAILED" }); // latest is 200 days old
    await createSyncJob(stuck.id, { startedAt: daysAgo(150), status: "IN_PROGRESS" });
    await createSyncJob(stuck.id, { startedAt: daysAgo(1) });
    const untouched = await createOrg();
    const theirs = await createConnection(await createUser(untouched.id));
    for (const d of [400, 300]) await createSyncJob(theirs.id, { startedAt: daysAgo(d) });

    const result = await purgeOldSyncJobs({ now: NOW, olderThanDays: 90, organizationId: org.id });

    expect(result).toMatchObject({ task: "purge-sync-jobs", rowsRemoved: 4, error: null });
    expect(await jobsOf(busy.id)).toEqual([89, 10]);
    expect(await jobsOf(quiet.id)).toEqual([200]);
    expect(await jobsOf(stuck.id)).toEqual([150, 1]);
    expect(await jobsOf(theirs.id)).toEqual([400, 300]); // another organization's rows: out of scope
    const run = await prisma.maintenanceRun.findUniqueOrThrow({ where: { id: result.runId } });
    expect(run).toMatchObject({ task: "purge-sync-jobs", rowsRemoved: 4, error: null, finishedAt: expect.any(Date) });

    // A second run finds nothing more; the default window comes from ATLAS_SYNC_JOB_RETENTION_DAYS.
    process.env.ATLAS_SYNC_JOB_RETENTION_DAYS = "5";
    try {
      expect((await purgeOldSyncJobs({ now: NOW, organizationId: org.id })).rowsRemoved).toBe(1); // busy's 89-day job
    } finally {
      delete process.env.ATLAS_SYNC_JOB_RETENTION_DAYS;
    }
  });
});

describe("purgeExpiredSessions", () => {
  it("removes sessions whose tokenExpiry has passed, and only those", async () => {
    const org = await createOrg();
    const user = await createUser(org.id);
    const session = (metadata: object | null) =>
      prisma.session.create({ data: { sessionId: `hash_${randomUUID()}`, userId: user.id, provider: "GITHUB", metadata: metadata ?? undefined } });
    const expired = await session({ tokenExpiry: new Date(NOW.getTime() - 60_000).toISOString(), integrationId: "github" });
    const expiredOffset = await session({ tokenExpiry: "2026-11-20T13:00:00+02:00" }); // 11:00Z, before NOW
    const live = await session({ tokenExpiry: new Date(NOW.getTime() + 60_000).toISOString() });
    const noExpiry = await session({ integrationId: "github" });
    const garbage = await session({ tokenExpiry: "next tuesday" });
    const numeric = await session({ tokenExpiry: 12 });
    const nothing = await session(null);

    const result = await purgeExpiredSessions({ now: NOW, organizationId: org.id });

    expect(result).toMatchObject({ task: "purge-expired-sessions", rowsRemoved: 2, error: null });
    const left = (await prisma.session.findMany({ where: { userId: user.id }, select: { id: true } })).map((s) => s.id).sort();
    expect(left).toEqual([live.id, noExpiry.id, garbage.id, numeric.id, nothing.id].sort());
    expect(left).not.toContain(expired.id);
    expect(left).not.toContain(expiredOffset.id);
  });
});

describe("scheduling and the admin view", () => {
  let workers: WorkersHandle;
  beforeAll(async () => {
    process.env.ATLAS_QUEUE_SCHEMA = `pgboss_test_${randomUUID().replace(/-/g, "").slice(0, 12)}`;
    process.env.ATLAS_QUEUE_SCHEDULES = "0"; // schedules are stored, never fired here (the test sends the job itself)
    workers = await startWorkers({ ingestion: false, maintenance: true, settings: { ingestion: { pollingIntervalSeconds: 0.5 } } });
  });
  afterAll(async () => {
    await workers?.stop();
    await prisma.$executeRawUnsafe(`DROP SCHEMA IF EXISTS "${process.env.ATLAS_QUEUE_SCHEMA}" CASCADE`);
  });

  it("startWorkers({maintenance}) schedules retention daily; a run records MaintenanceRun rows; lastMaintenanceRuns shows the latest per task", async () => {
    expect(await startWorkers({ maintenance: true })).toBe(workers); // idempotent: the same handle
    const schedules = await (await getBoss()).getSchedules();
    expect(schedules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: QUEUES.maintenance, cron: "17 3 * * *", data: { task: MAINTENANCE_TASKS.purgeSyncJobs } }),
      ]),
    );

    const org = await createOrg();
    const user = await createUser(org.id);
    const c = await createConnection(user);
    await createSyncJob(c.id, { startedAt: new Date(Date.now() - 400 * DAY) });
    await createSyncJob(c.id, { startedAt: new Date(Date.now() - 300 * DAY) });
    const before = new Date();
    // What the cron would send, limited to this organization.
    await (await getBoss()).send(QUEUES.maintenance, { task: MAINTENANCE_TASKS.purgeSyncJobs, organizationId: org.id });

    const runs = await waitFor(async () => {
      const rows = await prisma.maintenanceRun.findMany({ where: { startedAt: { gte: before }, finishedAt: { not: null } } });
      const tasks = new Set(rows.map((r) => r.task));
      return tasks.has("purge-sync-jobs") && tasks.has("purge-expired-sessions") ? rows : undefined;
    }, "the scheduled retention job to run");
    expect(runs.find((r) => r.task === "purge-sync-jobs")).toMatchObject({ rowsRemoved: 1, error: null });
    expect(await prisma.syncJob.count({ where: { connectionId: c.id } })).toBe(1);

    const latest = await lastMaintenanceRuns();
    const byTask = Object.fromEntries(latest.map((r) => [r.task, r]));
    expect(new Set(latest.map((r) => r.task)).size).toBe(latest.length);
    for (const task of ["purge-sync-jobs", "purge-expired-sessions"]) {
      const newest = await prisma.maintenanceRun.findFirstOrThrow({ where: { task }, orderBy: [{ startedAt: "desc" }, { id: "desc" }] });
      expect(byTask[task]).toEqual({ task, startedAt: newest.startedAt, finishedAt: newest.finishedAt, rowsRemoved: newest.rowsRemoved, error: newest.error, summary: newest.summary });
    }
  });

  it("startWorkers({maintenance}) folds the sync activity deltas every minute", async () => {
    const schedules = await (await getBoss()).getSchedules();
    expect(schedules).toEqual(expect.arrayContaining([expect.objectContaining({ name: ACTIVITY_FOLD_QUEUE, cron: "* * * * *" })]));

    const org = await createOrg();
    const c = await createConnection(await createUser(org.id));
    await createSyncJob(c.id, { recordsProcessed: 4 });
    expect(await prisma.syncActivityDelta.count({ where: { organizationId: org.id } })).toBeGreaterThan(0);
    // What the cron would send.
    await (await getBoss()).send(ACTIVITY_FOLD_QUEUE, {});
    await waitFor(async () => ((await prisma.syncActivityDelta.count({ where: { organizationId: org.id } })) === 0 ? true : undefined), "the fold to run");
    expect(await prisma.syncActivityDay.findMany({ where: { organizationId: org.id }, select: { jobs: true, records: true } })).toEqual([{ jobs: 1, records: 4n }]);
  });
});
