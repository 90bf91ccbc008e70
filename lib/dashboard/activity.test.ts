// The daily activity rollup (SyncActivityDay plus the SyncActivityDelta rows database triggers append, folded
// into it by foldSyncActivity) must always equal what counting the jobs themselves gives, whatever sequence of
// writes, status changes, deletions, disconnects and folds happened, and however folds and writes interleave.
// Folds move every organization's deltas (other test files' too); assertions stay within each test's own
// organization, and hold whoever folded what.
import fc from "fast-check";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { Prisma, prisma, type Provider, type SyncStatus } from "@/lib/db/client";
import { createConnection, createOrg, createSyncJob, createUser, uid } from "@/lib/test/factory";
import { foldSyncActivity } from "./activity";
import { dailyActivity, dailyActivityOfJobs } from "./overview";

const STATUSES: SyncStatus[] = ["PENDING", "IN_PROGRESS", "COMPLETED", "FAILED"];
const PROVIDERS: Provider[] = ["GITHUB", "JIRA"];
const DAY = 86_400_000;

type Key = { day: string; userId: string; provider: string; status: string; jobs: number; records: number };

/** The rollup of an organization per full key (every day, not only the charts' 30): day rows plus deltas. */
async function rollupOf(organizationId: string): Promise<Key[]> {
  return prisma.$queryRaw<Key[]>`
    SELECT x.day::text AS day, x."userId", x.provider::text AS provider, x.status::text AS status,
           sum(x.jobs)::int AS jobs, sum(x.records)::float8 AS records
    FROM (
      SELECT "organizationId", day, "userId", provider, status, jobs, records FROM "SyncActivityDay"
      UNION ALL
      SELECT "organizationId", day, "userId", provider, status, jobs, records FROM "SyncActivityDelta"
    ) x
    WHERE x."organizationId" = ${organizationId}
    GROUP BY 1, 2, 3, 4 HAVING sum(x.jobs) <> 0 OR sum(x.records) <> 0 ORDER BY 1, 2, 3, 4`;
}

/** The day rows alone (after a fold: every one, zero rows included). */
async function dayRowsOf(organizationId: string): Promise<Key[]> {
  return prisma.$queryRaw<Key[]>`
    SELECT day::text AS day, "userId", provider::text AS provider, status::text AS status, jobs, records::float8 AS records
    FROM "SyncActivityDay" WHERE "organizationId" = ${organizationId} ORDER BY 1, 2, 3, 4`;
}

/** The same counted from the jobs. */
async function jobsOf(organizationId: string): Promise<Key[]> {
  return prisma.$queryRaw<Key[]>`
    SELECT (j."startedAt" AT TIME ZONE 'UTC')::date::text AS day, c."userId", c.provider::text AS provider, j.status::text AS status,
           count(*)::int AS jobs, coalesce(sum(j."recordsProcessed"), 0)::float8 AS records
    FROM "SyncJob" j JOIN "Connection" c ON c.id = j."connectionId"
    WHERE c."organizationId" = ${organizationId}
    GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`;
}

const deltasOf = async (organizationId: string) => prisma.syncActivityDelta.count({ where: { organizationId } });

/** After a fold has returned, no delta of the organization committed before it is left, and the day rows alone are exact. */
async function expectFolded(organizationId: string) {
  await foldSyncActivity();
  expect(await deltasOf(organizationId)).toBe(0);
  expect(await dayRowsOf(organizationId)).toEqual(await jobsOf(organizationId));
}

type Op =
  | { kind: "insert"; connection: number; daysAgo: number; status: SyncStatus; records: number }
  | { kind: "update"; job: number; status: SyncStatus | null; records: number | null; daysAgo: number | null }
  | { kind: "touch"; job: number }
  | { kind: "delete"; job: number }
  | { kind: "disconnect"; connection: number }
  | { kind: "fold" };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("insert" as const), connection: fc.nat(3), daysAgo: fc.nat(40), status: fc.constantFrom(...STATUSES), records: fc.nat(500) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("update" as const),
      job: fc.nat(),
      status: fc.option(fc.constantFrom(...STATUSES)),
      records: fc.option(fc.nat(500)),
      daysAgo: fc.option(fc.nat(40)),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("touch" as const), job: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("delete" as const), job: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("disconnect" as const), connection: fc.nat(3) }) },
  { weight: 2, arbitrary: fc.constant({ kind: "fold" as const }) },
);

describe("daily sync activity rollup", () => {
  it("equals the count of the jobs themselves after any sequence of writes and folds", async () => {
    const now = new Date();
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 40, size: "medium" }), async (ops) => {
        const org = await createOrg();
        const [ada, ben] = [await createUser(org.id, { role: "ADMIN" }), await createUser(org.id)];
        const connections = await Promise.all(
          [0, 1, 2, 3].map((i) => createConnection(i % 2 ? ben : ada, { provider: PROVIDERS[i % 2] })),
        );
        const jobs: string[] = [];
        const startedAt = (daysAgo: number) => new Date(now.getTime() - daysAgo * DAY);
        for (const o of ops) {
          if (o.kind === "insert") {
            const connection = connections[o.connection]!;
            const job = await prisma.syncJob
              .create({ data: { syncId: `sync_${uid()}`, connectionId: connection.id, status: o.status, recordsProcessed: o.records, startedAt: startedAt(o.daysAgo) } })
              .catch(() => null); // its connection was disconnected meanwhile
            if (job) jobs.push(job.id);
          } else if (o.kind === "update" && jobs.length) {
            const data = { status: o.status ?? undefined, recordsProcessed: o.records ?? undefined, startedAt: o.daysAgo === null ? undefined : startedAt(o.daysAgo) };
            const before = await deltasOf(org.id);
            await prisma.syncJob.updateMany({ where: { id: jobs[o.job % jobs.length] }, data: { ...data, cursor: uid() } });
            // Only the records moved (or nothing did): one delta at most (folds meanwhile only take some away).
            if (o.status === null && o.daysAgo === null) expect(await deltasOf(org.id)).toBeLessThanOrEqual(before + 1);
          } else if (o.kind === "touch" && jobs.length) {
            // No counted column changes: no delta at all.
            const before = await deltasOf(org.id);
            await prisma.syncJob.updateMany({ where: { id: jobs[o.job % jobs.length] }, data: { cursor: uid(), attempts: { increment: 1 } } });
            expect(await deltasOf(org.id)).toBeLessThanOrEqual(before);
          } else if (o.kind === "delete" && jobs.length) {
            await prisma.syncJob.deleteMany({ where: { id: jobs[o.job % jobs.length] } });
          } else if (o.kind === "disconnect") {
            await prisma.connection.deleteMany({ where: { id: connections[o.connection]!.id } });
          } else if (o.kind === "fold") {
            await foldSyncActivity();
          }
        }
        expect(await rollupOf(org.id)).toEqual(await jobsOf(org.id));
        for (const scope of [
          { organizationId: org.id, userId: ada.id, role: "ADMIN" as const },
          { organizationId: org.id, userId: ben.id, role: "MEMBER" as const },
        ]) {
          expect(await dailyActivity(scope, 30, now)).toEqual(await dailyActivityOfJobs(scope, 30, now, Prisma.empty));
          expect(await dailyActivity(scope, 30, now, { provider: "JIRA", status: "FAILED" })).toEqual(
            await dailyActivityOfJobs(scope, 30, now, Prisma.sql`AND c.provider = 'JIRA' AND j.status = 'FAILED'`),
          );
          expect(await dailyActivity(scope, 30, now, { userId: ben.id, status: "COMPLETED" })).toEqual(
            await dailyActivityOfJobs(scope, 30, now, Prisma.sql`AND c."userId" = ${ben.id} AND j.status = 'COMPLETED'`),
          );
        }
        await expectFolded(org.id);
      }),
      { numRuns: 25 },
    );
  });

  it("records of a day past 2^31 (each job's count an int) fold and read exactly: the fold once failed on them every minute", async () => {
    const org = await createOrg();
    const admin = await createUser(org.id, { role: "ADMIN" });
    const c = await createConnection(admin);
    const at = new Date();
    for (let i = 0; i < 3; i++) await createSyncJob(c.id, { status: "COMPLETED", recordsProcessed: 2_000_000_000, startedAt: at });
    const scope = { userId: admin.id, organizationId: org.id, role: "ADMIN" as const };
    const total = async () => (await dailyActivity(scope, 30)).reduce((n, d) => n + d.records, 0);
    expect(await total()).toBe(6_000_000_000);
    await foldSyncActivity();
    expect(await total()).toBe(6_000_000_000);
    expect(await dayRowsOf(org.id)).toEqual([expect.objectContaining({ jobs: 3, records: 6_000_000_000 })]);
  });

  it("a fold that waits behind another moves only what the first did not: nothing lost, nothing counted twice", async () => {
    const org = await createOrg();
    const ada = await createUser(org.id, { role: "ADMIN" });
    const connection = await createConnection(ada, { provider: "JIRA" });
    await createSyncJob(connection.id, { status: "COMPLETED", recordsProcessed: 5 });
    await foldSyncActivity();

    const folds = `query LIKE '%"SyncActivityDelta"%' AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`;
    const waiting = async (n: number) => {
      for (let i = 0; i < 200; i++) {
        const [{ count }] = await prisma.$queryRawUnsafe<{ count: number }[]>(`SELECT count(*)::int AS count FROM pg_stat_activity WHERE ${folds}`);
        if (count >= n) return;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`${n} folds never waited`);
    };
    // Holding the organization's day row stops fold A after it has taken the deltas, before it commits.
    const holder = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await holder.connect();
    try {
      await holder.query("BEGIN");
      await holder.query(`SELECT 1 FROM "SyncActivityDay" WHERE "organizationId" = $1 FOR UPDATE`, [org.id]);
      await createSyncJob(connection.id, { status: "COMPLETED", recordsProcessed: 7 });
      const a = foldSyncActivity();
      await waiting(1);
      // Seen by B, not by A; B then waits on the deltas A took.
      await createSyncJob(connection.id, { status: "FAILED", recordsProcessed: 1 });
      const b = foldSyncActivity();
      await waiting(2);
      // Seen by neither.
      await createSyncJob(connection.id, { status: "COMPLETED", recordsProcessed: 11 });
      await holder.query("COMMIT");
      const [ra, rb] = await Promise.all([a, b]);
      expect(ra.deltas).toBeGreaterThan(0);
      expect(rb.deltas).toBeGreaterThanOrEqual(0);
    } finally {
      await holder.end();
    }
    expect(await rollupOf(org.id)).toEqual(await jobsOf(org.id));
    await expectFolded(org.id);
    expect(await dayRowsOf(org.id)).toEqual([
      expect.objectContaining({ status: "COMPLETED", jobs: 3, records: 23 }),
      expect.objectContaining({ status: "FAILED", jobs: 1, records: 1 }),
    ]);
  });

  it("folds running together with batches of job writes lose or double nothing", async () => {
    const org = await createOrg();
    const [ada, ben] = [await createUser(org.id, { role: "ADMIN" }), await createUser(org.id)];
    const connections = await Promise.all([ada, ben, ada, ben].map((u, i) => createConnection(u, { provider: PROVIDERS[i % 2] })));
    let writing = true;
    let folded = 0;
    const folder = async () => {
      while (writing) folded += (await foldSyncActivity()).deltas;
    };
    // Like the webhook inbox: several loops, each applying batches of job writes in one transaction.
    const writer = async (w: number) => {
      for (let batch = 0; batch < 8; batch++) {
        await prisma.$transaction(async (tx) => {
          const ids: string[] = [];
          for (let i = 0; i < 8; i++) {
            const job = await tx.syncJob.create({
              data: { syncId: `sync_${uid()}${uid()}`, connectionId: connections[(w + i) % 4]!.id, status: "PENDING", startedAt: new Date(Date.now() - ((w + i) % 2) * DAY) },
            });
            ids.push(job.id);
          }
          await tx.syncJob.updateMany({ where: { id: { in: ids.slice(0, 4) } }, data: { status: "COMPLETED", recordsProcessed: 3 } });
          await tx.syncJob.updateMany({ where: { id: ids[4] }, data: { recordsProcessed: { increment: 9 } } });
          await tx.syncJob.deleteMany({ where: { id: ids[5] } });
        });
      }
    };
    const folders = [folder(), folder()];
    await Promise.all([0, 1, 2, 3].map(writer));
    writing = false;
    await Promise.all(folders);
    expect(folded).toBeGreaterThan(0);
    expect(await rollupOf(org.id)).toEqual(await jobsOf(org.id));
    await expectFolded(org.id);
    const jobs = await jobsOf(org.id);
    expect(jobs.reduce((n, k) => n + k.jobs, 0)).toBe(4 * 8 * 7);
  });
});
