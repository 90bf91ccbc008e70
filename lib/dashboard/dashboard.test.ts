import { describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/client";
import { countQueries } from "@/lib/db/query-counter";
import type { Scope } from "@/lib/data/scope";
import { createConnection, createOrg, createSyncJob, createUser } from "@/lib/test/factory";
import { listConnections, parseConnectionFilters, PAGE_SIZE } from "./connections";
import { loadOverview } from "./overview";
import { loadConnectionDetail, loadSyncHistory, parseSyncFilters } from "./sync-history";
import { changeRole, listMembers, removeMember } from "./users";

const scopeOf = (u: { id: string; organizationId: string; role: "ADMIN" | "MEMBER" }): Scope => ({
  userId: u.id,
  organizationId: u.organizationId,
  role: u.role,
});

async function orgWith(connectionsPerUser: number) {
  const org = await createOrg();
  const admin = await createUser(org.id, { role: "ADMIN", name: "Admin" });
  const member = await createUser(org.id, { name: "Member" });
  for (const owner of [admin, member]) {
    for (let i = 0; i < connectionsPerUser; i++) {
      const c = await createConnection(owner, {
        provider: (["GITHUB", "NOTION", "JIRA", "SLACK"] as const)[i % 4],
        status: i % 5 === 0 ? "EXPIRED" : "ACTIVE",
        lastSyncAt: i % 3 === 0 ? undefined : new Date(Date.UTC(2026, 0, 1 + (i % 7))),
        metadata: { accountName: `${owner.name}-acct-${i}`, lastError: { message: "OAuth token expired", code: "TOKEN_EXPIRED" } },
      });
      await createSyncJob(c.id, { status: i % 2 ? "FAILED" : "COMPLETED", recordsProcessed: i, errors: [{ message: "x", code: "RATE_LIMIT" }] });
    }
  }
  return { org, admin, member };
}

describe("connections list", () => {
  it("walks every visible connection exactly once through the cursor, in sort order, never-synced first", async () => {
    const { admin } = await orgWith(30);
    const seen: { id: string; lastSyncAt: Date | null }[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const { rows, nextCursor } = await listConnections(scopeOf(admin), parseConnectionFilters({ cursor }));
      seen.push(...rows);
      if (!nextCursor) break;
      cursor = nextCursor;
    }
    expect(seen).toHaveLength(60);
    expect(new Set(seen.map((r) => r.id)).size).toBe(60);
    const times = seen.map((r) => r.lastSyncAt?.getTime() ?? Infinity);
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(times[0]).toBe(Infinity);
  });

  it("shows a member only their own connections, and filters, searches and ignores bad params", async () => {
    const { admin, member } = await orgWith(6);
    const mine = await listConnections(scopeOf(member), parseConnectionFilters({}));
    expect(mine.rows).toHaveLength(6);
    expect(mine.rows.every((r) => r.user.id === member.id)).toBe(true);
    // A member cannot widen their view with an owner filter.
    const sneaky = await listConnections(scopeOf(member), parseConnectionFilters({ owner: admin.id }));
    expect(sneaky.rows.every((r) => r.user.id === member.id)).toBe(true);

    const expired = await listConnections(scopeOf(admin), parseConnectionFilters({ status: "EXPIRED", provider: "GITHUB" }));
    expect(expired.rows.length).toBeGreaterThan(0);
    expect(expired.rows.every((r) => r.status === "EXPIRED" && r.provider === "GITHUB")).toBe(true);

    const byAccount = await listConnections(scopeOf(admin), parseConnectionFilters({ q: "Member-acct-3" }));
    expect(byAccount.rows.map((r) => r.accountName)).toEqual(["Member-acct-3"]);
    const byEmail = await listConnections(scopeOf(admin), parseConnectionFilters({ q: member.email.toUpperCase() }));
    expect(byEmail.rows).toHaveLength(6);

    const lenient = parseConnectionFilters({ provider: "MYSPACE", status: "ACTIVE", cursor: "garbage" });
    expect(lenient.provider).toBeUndefined();
    expect(lenient.status).toBe("ACTIVE");
    const garbage = await listConnections(scopeOf(admin), parseConnectionFilters({ cursor: "not-a-cursor" }));
    expect(garbage.rows).toHaveLength(PAGE_SIZE > 12 ? 12 : PAGE_SIZE);
  });

  it("answers another organization's connection like a missing one", async () => {
    const { admin } = await orgWith(1);
    const other = await orgWith(1);
    const foreign = await prisma.connection.findFirstOrThrow({ where: { organizationId: other.org.id } });
    expect(await loadConnectionDetail(scopeOf(admin), foreign.id)).toBeNull();
  });
});

describe("statement counts do not grow with the rows listed", () => {
  it("holds for the overview, connections list, sync history and connection detail", async () => {
    const small = await orgWith(2);
    const large = await orgWith(20);
    const count = async (scope: Scope) => {
      const counts: number[] = [];
      counts.push((await countQueries(() => loadOverview(scope))).queries);
      counts.push((await countQueries(() => listConnections(scope, parseConnectionFilters({})))).queries);
      counts.push((await countQueries(() => loadSyncHistory(scope, parseSyncFilters({})))).queries);
      counts.push((await countQueries(() => listMembers(scope))).queries);
      const one = await prisma.connection.findFirstOrThrow({ where: { organizationId: scope.organizationId } });
      counts.push((await countQueries(() => loadConnectionDetail(scope, one.id))).queries);
      return counts;
    };
    const few = await count(scopeOf(small.admin));
    const many = await count(scopeOf(large.admin));
    expect(few.every((n) => n > 0)).toBe(true);
    expect(many).toEqual(few);
  });
});

describe("overview", () => {
  it("counts by provider and status, and classifies problems by who must act", async () => {
    const { admin, member } = await orgWith(5);
    const overview = await loadOverview(scopeOf(admin));
    expect(overview.totals.connections).toBe(10);
    expect(overview.matrix.find((r) => r.provider === "GITHUB")).toMatchObject({ EXPIRED: 2, ACTIVE: 2, total: 4 });
    expect(overview.attention).toHaveLength(2);
    expect(overview.attention.every((a) => a.actionOwner === "END_USER")).toBe(true);
    const memberView = await loadOverview(scopeOf(member));
    expect(memberView.totals.connections).toBe(5);
  });
});

describe("members", () => {
  it("never removes or demotes the last admin, and lets a second admin go", async () => {
    const { org, admin, member } = await orgWith(0);
    const scope = scopeOf(admin);
    await expect(changeRole(scope, admin.id, "MEMBER")).rejects.toThrow("last admin");
    await expect(removeMember(scope, admin.id)).rejects.toThrow("last admin");
    await changeRole(scope, member.id, "ADMIN");
    await changeRole(scope, admin.id, "MEMBER");
    expect(await prisma.user.count({ where: { organizationId: org.id, role: "ADMIN" } })).toBe(1);
    const stranger = await orgWith(0);
    await expect(removeMember(scope, stranger.member.id)).rejects.toThrow("No such user");
  });
});

describe("connections sort by creation", () => {
  it("lists newest first", async () => {
    const { admin } = await orgWith(3);
    const { rows } = await listConnections(scopeOf(admin), parseConnectionFilters({ sort: "created" }));
    const times = rows.map((r) => r.createdAt.getTime());
    expect(rows).toHaveLength(6);
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });
});
