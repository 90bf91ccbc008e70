// The database keeps the seed's promises: unique constraints and every "Cascade Behavior".
import { describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/client";
import { ConflictError, rejectDuplicates } from "@/lib/errors";
import { createConnection, createOrg, createSession, createSyncJob, createUser } from "@/lib/test/factory";

async function rowsOf(organizationId: string) {
  const users = await prisma.user.findMany({ where: { organizationId }, select: { id: true } });
  const userIds = users.map((u) => u.id);
  const connections = await prisma.connection.findMany({ where: { organizationId }, select: { id: true } });
  const connectionIds = connections.map((c) => c.id);
  return {
    organizations: await prisma.organization.count({ where: { id: organizationId } }),
    users: userIds.sort(),
    connections: connectionIds.sort(),
    syncJobs: (await prisma.syncJob.findMany({ where: { connectionId: { in: connectionIds } }, select: { id: true } }))
      .map((j) => j.id)
      .sort(),
    sessions: (await prisma.session.findMany({ where: { userId: { in: userIds } }, select: { id: true } }))
      .map((s) => s.id)
      .sort(),
  };
}

/** Two users, each with two connections (two jobs each) and two sessions. */
async function world() {
  const org = await createOrg();
  const people = [];
  for (const name of ["Ada", "Ben"]) {
    const user = await createUser(org.id, { name });
    const connections = [await createConnection(user, { provider: "GITHUB" }), await createConnection(user, { provider: "SLACK" })];
    const jobs = [];
    for (const c of connections) jobs.push(await createSyncJob(c.id), await createSyncJob(c.id));
    const sessions = [await createSession(user.id), await createSession(user.id, "NOTION")];
    people.push({ user, connections, jobs, sessions });
  }
  return { org, ada: people[0], ben: people[1] };
}

const ids = (rows: { id: string }[]) => rows.map((r) => r.id).sort();

describe("cascades", () => {
  it("deleting a user deletes their connections, sessions and those connections' sync jobs, and nothing else", async () => {
    const { org, ada, ben } = await world();
    const bystander = await world();
    const before = await rowsOf(bystander.org.id);

    await prisma.user.delete({ where: { id: ada.user.id } });

    expect(await rowsOf(org.id)).toEqual({
      organizations: 1,
      users: [ben.user.id],
      connections: ids(ben.connections),
      syncJobs: ids(ben.jobs),
      sessions: ids(ben.sessions),
    });
    expect(await rowsOf(bystander.org.id)).toEqual(before);
  });

  it("deleting an organization deletes its users, connections, sessions and sync jobs, and nothing else", async () => {
    const { org } = await world();
    const bystander = await world();
    const before = await rowsOf(bystander.org.id);

    await prisma.organization.delete({ where: { id: org.id } });

    expect(await rowsOf(org.id)).toEqual({ organizations: 0, users: [], connections: [], syncJobs: [], sessions: [] });
    expect(await rowsOf(bystander.org.id)).toEqual(before);
  });

  it("deleting a connection deletes its sync jobs only; sessions remain", async () => {
    const { org, ada, ben } = await world();
    const [gone, kept] = ada.connections;

    await prisma.connection.delete({ where: { id: gone.id } });

    const after = await rowsOf(org.id);
    expect(after.connections).toEqual([kept.id, ...ben.connections.map((c) => c.id)].sort());
    expect(after.syncJobs).toEqual(
      [...ada.jobs.filter((j) => j.connectionId === kept.id), ...ben.jobs].map((j) => j.id).sort(),
    );
    expect(after.sessions).toEqual([...ada.sessions, ...ben.sessions].map((s) => s.id).sort());
    expect(after.users).toEqual([ada.user.id, ben.user.id].sort());
  });
});

describe("unique constraints", () => {
  it("reject a duplicate Nango connection id, sync id and session id with an error naming the column", async () => {
    const { ada } = await world();
    const [connection] = ada.connections;
    const [job] = ada.jobs;
    const [session] = ada.sessions;

    await expect(
      rejectDuplicates("connection", () =>
        prisma.connection.create({
          data: { connectionId: connection.connectionId, provider: "GITHUB", userId: ada.user.id, organizationId: ada.user.organizationId },
        }),
      ),
    ).rejects.toThrow(new ConflictError("A connection with this connectionId already exists."));
    await expect(
      rejectDuplicates("sync job", () =>
        prisma.syncJob.create({ data: { syncId: job.syncId, connectionId: connection.id, status: "PENDING" } }),
      ),
    ).rejects.toThrow("A sync job with this syncId already exists.");
    await expect(
      rejectDuplicates("session", () =>
        prisma.session.create({ data: { sessionId: session.sessionId, userId: ada.user.id, provider: "GITHUB" } }),
      ),
    ).rejects.toThrow("A session with this sessionId already exists.");
  });
});
