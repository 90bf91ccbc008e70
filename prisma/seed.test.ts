import { afterAll, describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/client";
import { DEMO_ORGS, seed } from "./seed";

const orgIds = DEMO_ORGS.map((o) => o.id);

async function snapshot() {
  const [organizations, users, connections, syncJobs] = await Promise.all([
    prisma.organization.findMany({ where: { id: { in: orgIds } }, orderBy: { id: "asc" } }),
    prisma.user.findMany({ where: { organizationId: { in: orgIds } }, orderBy: { id: "asc" } }),
    prisma.connection.findMany({ where: { organizationId: { in: orgIds } }, orderBy: { id: "asc" } }),
    prisma.syncJob.findMany({ where: { connection: { organizationId: { in: orgIds } } }, orderBy: { id: "asc" } }),
  ]);
  return { organizations, users, connections, syncJobs };
}

afterAll(async () => {
  await prisma.organization.deleteMany({ where: { id: { in: orgIds } } });
});

describe("demo seed", () => {
  it("creates the demo dataset, and a second run changes nothing", async () => {
    const now = Date.UTC(2026, 10, 1);
    await seed(now);
    const first = await snapshot();
    await seed(now + 86_400_000);
    expect(await snapshot()).toEqual(first);

    expect(first.organizations).toHaveLength(2);
    for (const orgId of orgIds) {
      const users = first.users.filter((u) => u.organizationId === orgId);
      expect(users.length).toBeGreaterThanOrEqual(3);
      expect(users.filter((u) => u.role === "ADMIN")).toHaveLength(1);
      const combos = new Set(first.connections.filter((c) => c.organizationId === orgId).map((c) => `${c.provider}/${c.status}`));
      expect(combos.size).toBe(16);
    }
    expect(new Set(first.syncJobs.map((j) => j.status))).toEqual(new Set(["PENDING", "IN_PROGRESS", "COMPLETED", "FAILED"]));
    expect(first.syncJobs.length).toBeGreaterThanOrEqual(200);
    const sixtyDaysAgo = now - 60 * 86_400_000;
    expect(first.syncJobs.every((j) => j.startedAt.getTime() >= sixtyDaysAgo && j.startedAt.getTime() <= now)).toBe(true);
  });

  it("shapes metadata and errors like the schema reference's examples", async () => {
    await seed(Date.UTC(2026, 10, 1));
    const { connections, syncJobs } = await snapshot();
    const github = connections.find((c) => c.provider === "GITHUB" && c.status === "ACTIVE")!;
    expect(github.metadata).toMatchObject({
      accountName: expect.any(String),
      repositories: expect.arrayContaining([expect.any(String)]),
      permissions: ["read:user", "read:repo"],
      installationId: expect.stringMatching(/^\d+$/),
    });
    for (const c of connections.filter((c) => c.status === "ERROR" || c.status === "EXPIRED")) {
      expect(c.metadata).toMatchObject({ lastError: { message: expect.any(String), code: expect.any(String), timestamp: expect.any(String) } });
    }
    const failed = syncJobs.filter((j) => j.status === "FAILED");
    expect(failed.length).toBeGreaterThan(0);
    for (const job of failed) {
      const errors = job.errors as { code: string; message: string; timestamp: string; retryAfter?: number }[];
      expect(errors.length).toBeGreaterThan(0);
      for (const e of errors) expect(e).toMatchObject({ message: expect.any(String), code: expect.any(String), timestamp: expect.any(String) });
    }
    expect(failed.some((j) => (j.errors as { code: string; retryAfter?: number }[]).some((e) => e.code === "RATE_LIMIT" && e.retryAfter === 300))).toBe(true);
  });
});
