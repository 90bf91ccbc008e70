// The daily activity rollup (SyncActivityDay, kept by database triggers) must always equal what counting the
// jobs themselves gives, whatever sequence of writes, status changes, deletions and disconnects happened.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { prisma, type Provider, type SyncStatus } from "@/lib/db/client";
import { createConnection, createOrg, createUser, uid } from "@/lib/test/factory";
import { dailyActivity, dailyActivityOfJobs } from "./overview";
import { Prisma } from "@/lib/db/client";

const STATUSES: SyncStatus[] = ["PENDING", "IN_PROGRESS", "COMPLETED", "FAILED"];
const PROVIDERS: Provider[] = ["GITHUB", "JIRA"];

type Op =
  | { kind: "insert"; connection: number; daysAgo: number; status: SyncStatus; records: number }
  | { kind: "update"; job: number; status: SyncStatus; records: number }
  | { kind: "delete"; job: number }
  | { kind: "disconnect"; connection: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("insert" as const), connection: fc.nat(3), daysAgo: fc.nat(40), status: fc.constantFrom(...STATUSES), records: fc.nat(500) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("update" as const), job: fc.nat(), status: fc.constantFrom(...STATUSES), records: fc.nat(500) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("delete" as const), job: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("disconnect" as const), connection: fc.nat(3) }) },
);

describe("daily sync activity rollup", () => {
  it("equals the count of the jobs themselves after any sequence of writes", async () => {
    const now = new Date();
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
        const org = await createOrg();
        const [ada, ben] = [await createUser(org.id, { role: "ADMIN" }), await createUser(org.id)];
        const connections = await Promise.all(
          [0, 1, 2, 3].map((i) => createConnection(i % 2 ? ben : ada, { provider: PROVIDERS[i % 2] })),
        );
        const jobs: string[] = [];
        for (const o of ops) {
          if (o.kind === "insert") {
            const connection = connections[o.connection]!;
            const job = await prisma.syncJob
              .create({
                data: { syncId: `sync_${uid()}`, connectionId: connection.id, status: o.status, recordsProcessed: o.records, startedAt: new Date(now.getTime() - o.daysAgo * 86_400_000) },
              })
              .catch(() => null); // its connection was disconnected meanwhile
            if (job) jobs.push(job.id);
          } else if (o.kind === "update" && jobs.length) {
            await prisma.syncJob.updateMany({ where: { id: jobs[o.job % jobs.length] }, data: { status: o.status, recordsProcessed: o.records } });
          } else if (o.kind === "delete" && jobs.length) {
            await prisma.syncJob.deleteMany({ where: { id: jobs[o.job % jobs.length] } });
          } else if (o.kind === "disconnect") {
            await prisma.connection.deleteMany({ where: { id: connections[o.connection]!.id } });
          }
        }
        for (const scope of [
          { organizationId: org.id, userId: ada.id, role: "ADMIN" as const },
          { organizationId: org.id, userId: ben.id, role: "MEMBER" as const },
        ]) {
          expect(await dailyActivity(scope, 30, now)).toEqual(await dailyActivityOfJobs(scope, 30, now, Prisma.empty));
          expect(await dailyActivity(scope, 30, now, { provider: "JIRA", status: "FAILED" })).toEqual(
            await dailyActivityOfJobs(scope, 30, now, Prisma.sql`AND c.provider = 'JIRA' AND j.status = 'FAILED'`),
          );
        }
      }),
      { numRuns: 25 },
    );
  });
});
