// The filters admins asked for, totals and page numbers, on the real database.
import { describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/client";
import type { Scope } from "@/lib/data/scope";
import { createConnection, createOrg, createSyncJob, createUser } from "@/lib/test/factory";
import { listConnections, PAGE_SIZE, parseConnectionFilters } from "./connections";
import { loadSyncHistory, parseSyncFilters, SYNC_PAGE_SIZE, syncFilterOptions } from "./sync-history";

const scopeOf = (u: { id: string; organizationId: string; role: "ADMIN" | "MEMBER" }): Scope => ({ userId: u.id, organizationId: u.organizationId, role: u.role });

async function setup() {
  const org = await createOrg();
  const admin = await createUser(org.id, { role: "ADMIN", name: "Admin" });
  const member = await createUser(org.id, { name: "Member" });
  const never = await createConnection(member, { metadata: { accountName: "Octo-Corp" } });
  const paused = await createConnection(admin, { metadata: { accountName: "paused-one", syncsPausedAt: "2026-01-02T00:00:00.000Z" }, lastSyncAt: new Date("2026-01-02") });
  const notAString = await createConnection(admin, { metadata: { accountName: "odd", syncsPausedAt: { at: 1 } }, lastSyncAt: new Date("2026-01-03") });
  await createSyncJob(never.id, { status: "FAILED", errors: [{ message: "slow down", code: "RATE_LIMIT" }] });
  await createSyncJob(paused.id, { status: "FAILED", errors: [{ message: "no", code: "ACCESS_DENIED" }, { message: "slow", code: "RATE_LIMIT" }] });
  await createSyncJob(notAString.id, { status: "COMPLETED" });
  return { admin: scopeOf(admin), member: scopeOf(member), adminId: admin.id, memberId: member.id, never, paused, notAString };
}

describe("connection filters", () => {
  it("never synced, paused (a string in metadata.syncsPausedAt only), and account names in any case", async () => {
    const s = await setup();
    const ids = async (params: Record<string, string>) => (await listConnections(s.admin, parseConnectionFilters(params))).rows.map((r) => r.id);
    expect(await ids({ syncs: "never" })).toEqual([s.never.id]);
    expect(await ids({ syncs: "paused" })).toEqual([s.paused.id]);
    expect(await ids({ q: "octo-corp" })).toEqual([s.never.id]);
    expect(await ids({ q: "OCTO" })).toEqual([s.never.id]);
    // LIKE's own characters match themselves.
    expect(await ids({ q: "%" })).toEqual([]);
    // By last sync, the connection that never synced comes first.
    expect((await ids({}))[0]).toBe(s.never.id);
  });

  it("counts every matching row and numbers the pages", async () => {
    const s = await setup();
    const owner = { id: s.adminId, organizationId: s.admin.organizationId };
    for (let i = 0; i < PAGE_SIZE; i++) await createConnection(owner, { lastSyncAt: new Date(Date.UTC(2025, 0, 1 + i)) });
    const first = await listConnections(s.admin, parseConnectionFilters({}));
    expect(first).toMatchObject({ total: PAGE_SIZE + 3, page: 1, pages: 2 });
    const second = await listConnections(s.admin, parseConnectionFilters({ cursor: first.nextCursor! }));
    expect(second).toMatchObject({ total: PAGE_SIZE + 3, page: 2, pages: 2, nextCursor: null });
    expect(second.rows).toHaveLength(3);
  });
});

describe("sync history filters", () => {
  it("by connection, owner and error code; owners only for admins; options list codes seen", async () => {
    const s = await setup();
    const jobs = async (scope: Scope, params: Record<string, string>) => (await loadSyncHistory(scope, parseSyncFilters(params))).jobs;
    expect((await jobs(s.admin, { connection: s.paused.id })).map((j) => j.connection.id)).toEqual([s.paused.id]);
    expect((await jobs(s.admin, { owner: s.memberId })).map((j) => j.connection.id)).toEqual([s.never.id]);
    expect(await jobs(s.admin, { code: "RATE_LIMIT" })).toHaveLength(2);
    expect(await jobs(s.admin, { code: "ACCESS_DENIED" })).toHaveLength(1);
    const history = await loadSyncHistory(s.admin, parseSyncFilters({ code: "RATE_LIMIT" }));
    expect(history.activity.reduce((n, d) => n + d.failed, 0)).toBe(2);
    expect(history).toMatchObject({ total: 2, page: 1, pages: 1 });
    // A member's owner filter widens nothing, and another person's connection id finds nothing.
    expect(await jobs(s.member, { owner: s.adminId })).toHaveLength(1);
    expect(await jobs(s.member, { connection: s.paused.id })).toHaveLength(0);
    expect((await syncFilterOptions(s.admin)).codes).toEqual(["ACCESS_DENIED", "RATE_LIMIT"]);
    // A member's codes are their own connections' only.
    expect((await syncFilterOptions(s.member)).codes).toEqual(["RATE_LIMIT"]);
    expect((await syncFilterOptions(s.member)).connections.map((c) => c.id)).toEqual([s.never.id]);
    expect(SYNC_PAGE_SIZE).toBeGreaterThan(0);
  });
});

describe("error codes offered (SyncErrorCode, kept by a trigger)", () => {
  it("lists the codes of jobs that failed in the last 30 days, however they became FAILED, and only those", async () => {
    const org = await createOrg();
    const adminUser = await createUser(org.id, { role: "ADMIN" });
    const admin = scopeOf(adminUser);
    const connection = await createConnection(adminUser);
    const day = 86_400_000;
    const codes = async () => (await syncFilterOptions(admin)).codes;
    // Retries a completed job survived, and a failure older than 30 days: not offered.
    await createSyncJob(connection.id, { status: "COMPLETED", errors: [{ message: "slow", code: "RATE_LIMIT" }] });
    await createSyncJob(connection.id, { status: "FAILED", startedAt: new Date(Date.now() - 40 * day), errors: [{ message: "old", code: "ANCIENT" }] });
    expect(await codes()).toEqual([]);
    // Created FAILED (a failure webhook), with a code twice and a malformed entry.
    await createSyncJob(connection.id, { status: "FAILED", errors: [{ message: "a", code: "TOKEN_EXPIRED" }, { message: "b", code: "TOKEN_EXPIRED" }, { message: "c", code: 7 }, "x"] });
    expect(await codes()).toEqual(["TOKEN_EXPIRED"]);
    // A running job that fails later (ingestion), its errors written with the status.
    const running = await createSyncJob(connection.id, { status: "IN_PROGRESS" });
    await prisma.syncJob.update({ where: { id: running.id }, data: { status: "FAILED", errors: [{ message: "down", code: "ZEP_UNAVAILABLE" }] } });
    // The old failure seen again recently (a retry of it that failed anew) comes back.
    const old = await prisma.syncJob.findFirstOrThrow({ where: { connectionId: connection.id, status: "FAILED", startedAt: { lt: new Date(Date.now() - 30 * day) } } });
    await prisma.syncJob.update({ where: { id: old.id }, data: { startedAt: new Date() } });
    expect(await codes()).toEqual(["ANCIENT", "TOKEN_EXPIRED", "ZEP_UNAVAILABLE"]);
    // Another organization's failures stay its own.
    const other = await createOrg();
    const stranger = await createUser(other.id);
    await createSyncJob((await createConnection(stranger)).id, { status: "FAILED", errors: [{ message: "x", code: "NOT_OURS" }] });
    expect(await codes()).toEqual(["ANCIENT", "TOKEN_EXPIRED", "ZEP_UNAVAILABLE"]);
  });
});
