import { describe, expect, it } from "vitest";
import { ConflictError } from "@/lib/errors";
import { createConnection, createOrg, createSyncJob, createUser as createTestUser } from "@/lib/test/factory";
import { createUser, getUserWithConnections } from "./users";

describe("getUserWithConnections", () => {
  it("returns the user, organization, connections and each connection's five latest jobs, newest first", async () => {
    const org = await createOrg();
    const user = await createTestUser(org.id, { name: "Ada" });
    const github = await createConnection(user, { provider: "GITHUB" });
    const slack = await createConnection(user, { provider: "SLACK" });
    const base = Date.UTC(2026, 0, 1);
    for (let i = 0; i < 7; i++) await createSyncJob(github.id, { startedAt: new Date(base + i * 60_000), recordsProcessed: i });
    await createSyncJob(slack.id, { startedAt: new Date(base), recordsProcessed: 99 });

    const found = await getUserWithConnections(org.id, user.email.toUpperCase());

    expect(found?.id).toBe(user.id);
    expect(found?.organization).toEqual({ id: org.id, name: org.name });
    const byProvider = Object.fromEntries(found!.connections.map((c) => [c.provider, c]));
    expect(Object.keys(byProvider).sort()).toEqual(["GITHUB", "SLACK"]);
    expect(byProvider.GITHUB.syncJobs.map((j) => j.recordsProcessed)).toEqual([6, 5, 4, 3, 2]);
    expect(byProvider.SLACK.syncJobs.map((j) => j.recordsProcessed)).toEqual([99]);
  });

  it("does not find a user of another organization", async () => {
    const [mine, theirs] = [await createOrg(), await createOrg()];
    const stranger = await createTestUser(theirs.id);
    expect(await getUserWithConnections(mine.id, stranger.email)).toBeNull();
  });
});

describe("createUser", () => {
  it("rejects a second user with the same email, whatever its case, with a clear error", async () => {
    const org = await createOrg();
    const email = `dup-${Date.now()}@example.test`;
    await createUser({ organizationId: org.id, email });
    const attempt = createUser({ organizationId: org.id, email: email.toUpperCase() });
    await expect(attempt).rejects.toBeInstanceOf(ConflictError);
    await expect(createUser({ organizationId: org.id, email })).rejects.toThrow("A user with this email already exists.");
  });
});
