import { describe, expect, it } from "vitest";
import { createConnection, createOrg, createUser } from "@/lib/test/factory";
import { countConnectionsByProviderAndStatus, findActiveConnections } from "./connections";

describe("findActiveConnections", () => {
  it("returns only the organization's ACTIVE connections of that provider, with the owner's name and email", async () => {
    const org = await createOrg();
    const other = await createOrg();
    const ada = await createUser(org.id, { name: "Ada" });
    const ben = await createUser(org.id, { name: "Ben" });
    const stranger = await createUser(other.id);
    const a = await createConnection(ada, { provider: "GITHUB", status: "ACTIVE" });
    const b = await createConnection(ben, { provider: "GITHUB", status: "ACTIVE" });
    await createConnection(ada, { provider: "GITHUB", status: "EXPIRED" });
    await createConnection(ada, { provider: "SLACK", status: "ACTIVE" });
    await createConnection(stranger, { provider: "GITHUB", status: "ACTIVE" });

    const found = await findActiveConnections(org.id, "GITHUB");

    expect(found.map((c) => c.id).sort()).toEqual([a.id, b.id].sort());
    expect(found.find((c) => c.id === b.id)?.user).toEqual({ name: "Ben", email: ben.email });
  });
});

describe("countConnectionsByProviderAndStatus", () => {
  it("counts the organization's connections per provider and status", async () => {
    const org = await createOrg();
    const other = await createOrg();
    const user = await createUser(org.id);
    await createConnection(user, { provider: "GITHUB", status: "ACTIVE" });
    await createConnection(user, { provider: "GITHUB", status: "ACTIVE" });
    await createConnection(user, { provider: "GITHUB", status: "ERROR" });
    await createConnection(user, { provider: "JIRA", status: "EXPIRED" });
    await createConnection(await createUser(other.id), { provider: "JIRA", status: "EXPIRED" });

    expect(await countConnectionsByProviderAndStatus(org.id)).toEqual([
      { provider: "GITHUB", status: "ACTIVE", count: 2 },
      { provider: "GITHUB", status: "ERROR", count: 1 },
      { provider: "JIRA", status: "EXPIRED", count: 1 },
    ]);
  });
});
