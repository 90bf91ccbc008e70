// The audit trail against PostgreSQL: each change writes its event in the same transaction (a change that
// fails leaves none), the actor comes from the action context, and the admins' page filters and pages.
import { describe, expect, it } from "vitest";
import { prisma, type Role } from "@/lib/db/client";
import type { Scope } from "@/lib/data/scope";
import { changeRole, inviteMember, removeMember } from "@/lib/dashboard/users";
import { ConflictError, ForbiddenError } from "@/lib/errors";
import { cancelSyncJob } from "@/lib/ops/sync-control";
import { createProject } from "@/lib/projects";
import { createConnection, createOrg, createSyncJob, createUser } from "@/lib/test/factory";
import { loadAuditLog, parseAuditFilters, AUDIT_PAGE_SIZE } from "./log";
import { recordAudit, withAuditContext } from "./record";

const scopeOf = (u: { id: string; organizationId: string; role: Role }): Scope => ({ organizationId: u.organizationId, userId: u.id, role: u.role });
const as = <T>(u: { id: string; email: string }, work: () => Promise<T>) => withAuditContext({ userId: u.id, label: u.email }, work, "req-1");

async function team() {
  const org = await createOrg();
  const admin = await createUser(org.id, { role: "ADMIN", name: "Admin" });
  const member = await createUser(org.id, { name: "Member" });
  return { org, admin, member };
}

describe("recording", () => {
  it("records invite, role change, removal and project creation with actor, target, before/after and request id", async () => {
    const { org, admin, member } = await team();
    const scope = scopeOf(admin);
    const invited = await as(admin, () => inviteMember(scope, { email: "new@example.test", name: "New", role: "MEMBER" }));
    await as(admin, () => changeRole(scope, member.id, "ADMIN"));
    await as(admin, () => removeMember(scope, invited.id));
    await as(admin, () => createProject(scope, { name: "Research" }));

    const events = await prisma.auditEvent.findMany({ where: { organizationId: org.id }, orderBy: { at: "asc" } });
    expect(events.map((e) => [e.action, e.targetType, e.targetLabel])).toEqual([
      ["user.invited", "user", "new@example.test"],
      ["user.role_changed", "user", member.email],
      ["user.removed", "user", "new@example.test"],
      ["project.created", "project", "Research (research)"],
    ]);
    for (const e of events) expect(e).toMatchObject({ actorId: admin.id, actorLabel: admin.email, requestId: "req-1" });
    expect(events[1]).toMatchObject({ before: { role: "MEMBER" }, after: { role: "ADMIN" } });
    // The removed user's row is gone; the event still names them.
    expect(await prisma.user.findUnique({ where: { id: invited.id } })).toBeNull();
  });

  it("writes nothing when the change fails (same transaction)", async () => {
    const { org, admin } = await team();
    const scope = scopeOf(admin);
    // The last admin cannot be demoted: the change throws after the checks, and no event remains.
    await expect(as(admin, () => changeRole(scope, admin.id, "MEMBER"))).rejects.toBeInstanceOf(ConflictError);
    // Emails are unique across organizations: one of this run's own, so the test can run again on the same database.
    const email = `dup-${org.id}@example.test`;
    await as(admin, () => inviteMember(scope, { email, name: null, role: "MEMBER" }));
    await expect(as(admin, () => inviteMember(scope, { email, name: null, role: "MEMBER" }))).rejects.toBeInstanceOf(ConflictError);
    expect(await prisma.auditEvent.count({ where: { organizationId: org.id } })).toBe(1);
  });

  it("an event recorded inside a transaction that rolls back is gone with it", async () => {
    const { org } = await team();
    await expect(
      prisma.$transaction(async (tx) => {
        await recordAudit(tx, { organizationId: org.id, action: "user.invited", target: { type: "user", label: "x" } });
        throw new Error("rollback");
      }),
    ).rejects.toThrow("rollback");
    expect(await prisma.auditEvent.count({ where: { organizationId: org.id } })).toBe(0);
  });

  it("outside an action the actor is Atlas itself", async () => {
    const { org } = await team();
    await recordAudit(prisma, { organizationId: org.id, action: "connection.auto_paused", target: { type: "connection", id: "c1" } });
    expect(await prisma.auditEvent.findFirstOrThrow({ where: { organizationId: org.id } })).toMatchObject({ actorId: null, actorLabel: "Atlas" });
  });

  it("cancelling a running job fails it with CANCELLED and is audited; a finished job cannot be cancelled", async () => {
    const { org, admin, member } = await team();
    const c = await createConnection(member);
    const running = await createSyncJob(c.id, { status: "IN_PROGRESS", recordsProcessed: 42 });
    const done = await createSyncJob(c.id, { status: "COMPLETED" });
    await as(admin, () => cancelSyncJob(scopeOf(admin), running.id));
    const after = await prisma.syncJob.findUniqueOrThrow({ where: { id: running.id } });
    expect(after).toMatchObject({ status: "FAILED", recordsProcessed: 42, completedAt: expect.any(Date), errors: [expect.objectContaining({ code: "CANCELLED" })] });
    await expect(as(admin, () => cancelSyncJob(scopeOf(admin), done.id))).rejects.toBeInstanceOf(ConflictError);
    await expect(as(admin, () => cancelSyncJob(scopeOf(admin), running.id))).rejects.toBeInstanceOf(ConflictError);
    const events = await prisma.auditEvent.findMany({ where: { organizationId: org.id } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ action: "sync.cancelled", targetId: running.id, before: { status: "IN_PROGRESS", recordsProcessed: 42 }, actorId: admin.id });
  });
});

describe("audit log page", () => {
  it("filters by action and actor, walks pages exactly once, and is for admins only", async () => {
    const { org, admin, member } = await team();
    const other = await createOrg();
    const base = Date.UTC(2026, 5, 1);
    const rows = Array.from({ length: AUDIT_PAGE_SIZE + 7 }, (_, i) => ({
      organizationId: org.id,
      actorId: i % 2 ? admin.id : null,
      actorLabel: i % 2 ? admin.email : "Atlas",
      action: i % 3 ? "connection.paused" : "sync.cancelled",
      targetType: "connection",
      // Several events share a timestamp: the id breaks ties in the keyset.
      at: new Date(base + Math.floor(i / 3) * 1000),
    }));
    await prisma.auditEvent.createMany({ data: rows });
    await prisma.auditEvent.create({ data: { organizationId: other.id, actorLabel: "x", action: "sync.cancelled", targetType: "syncJob" } });

    const seen: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 5; i++) {
      const page = await loadAuditLog(scopeOf(admin), parseAuditFilters({ cursor }));
      seen.push(...page.events.map((e) => e.id));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(seen).toHaveLength(rows.length);
    expect(new Set(seen).size).toBe(rows.length);

    const cancels = await loadAuditLog(scopeOf(admin), parseAuditFilters({ action: "sync.cancelled" }));
    expect(cancels.events).toHaveLength(rows.filter((r) => r.action === "sync.cancelled").length);
    const byAtlas = await loadAuditLog(scopeOf(admin), parseAuditFilters({ actor: "atlas" }));
    expect(byAtlas.events.every((e) => e.actorId === null)).toBe(true);
    expect(byAtlas.events).toHaveLength(rows.filter((r) => r.actorId === null).length);
    expect(byAtlas.actors).toEqual([{ id: admin.id, label: admin.email }]);
    // Unknown filter values are dropped rather than failing the page.
    expect(parseAuditFilters({ action: "drop table", from: "yesterday" })).toEqual({});
    await expect(loadAuditLog(scopeOf(member), {})).rejects.toBeInstanceOf(ForbiddenError);
  });
});
