// Connection.createdBy / modifiedBy through the real flows (Nango sandbox, webhooks through the route): each
// change sets them to its audit event's actor, a person or Atlas; what changes nothing leaves them alone.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/client";
import { createReconnectSession, pauseSyncs, resumeSyncs, triggerSyncNow } from "@/lib/nango/connections";
import { connectionSyncs, setSyncPaused } from "@/lib/ops/nango-syncs";
import { createUser } from "@/lib/test/factory";
import { connectedUser, startHarness, type Harness } from "@/lib/test/ingest-harness";
import { deliverWebhook } from "@/lib/test/webhooks";
import { actorNameOf, withAuditContext } from "./record";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
}, 60_000);
afterAll(async () => h?.stop());

describe("who connected a connection and who changed it last", () => {
  it("connect, expiry, reconnect, pause, auto-pause, resume, a sync's failure and recovery, one sync paused: each sets modifiedBy to its actor", async () => {
    const { org, user: ada, connection, scope: adaScope, nangoConnectionId } = await connectedUser(h);
    const admin = await createUser(org.id, { role: "ADMIN", name: "Root" });
    const adminScope = { organizationId: org.id, userId: admin.id, role: "ADMIN" as const };
    const asAdmin = <T>(work: () => Promise<T>) => withAuditContext({ userId: admin.id, label: `Root <${admin.email}>` }, work);
    const asAda = <T>(work: () => Promise<T>) => withAuditContext({ userId: ada.id, label: `Ada <${ada.email}>` }, work);
    const by = async () =>
      prisma.connection.findUniqueOrThrow({ where: { id: connection.id }, select: { createdBy: true, createdByLabel: true, modifiedBy: true, modifiedByLabel: true, status: true } });
    const atlasWebhook = { modifiedBy: null, modifiedByLabel: "Atlas (Nango webhook)" };
    const connectedBy = { createdBy: ada.id, createdByLabel: expect.stringContaining(ada.email) };

    // Connected through Connect UI by Ada (Nango's end user): she created it and changed it last.
    expect(await by()).toMatchObject({ ...connectedBy, modifiedBy: ada.id });

    // Nango reports the refresh token revoked: Atlas (the webhook) moved it to EXPIRED.
    await deliverWebhook((await h.nango.expireConnection(nangoConnectionId)).webhook);
    expect(await by()).toMatchObject({ ...connectedBy, ...atlasWebhook, status: "EXPIRED" });

    // The admin starts a reconnect (a link for Ada): nothing about the connection changed yet.
    const session = await asAdmin(() => createReconnectSession(adminScope, connection.id));
    expect(await by()).toMatchObject(atlasWebhook);
    // Ada authorizes: she re-authorized it.
    await deliverWebhook((await h.nango.authorizeSession(session.token)).webhook);
    expect(await by()).toMatchObject({ ...connectedBy, modifiedBy: ada.id, status: "ACTIVE" });

    await asAdmin(() => pauseSyncs(adminScope, connection.id));
    expect(await by()).toMatchObject({ ...connectedBy, modifiedBy: admin.id, modifiedByLabel: `Root <${admin.email}>` });
    await asAda(() => resumeSyncs(adaScope, connection.id));
    expect(await by()).toMatchObject({ modifiedBy: ada.id });

    // Auto-pause (lib/alerts/scan.ts calls it outside any person's action): Atlas.
    await pauseSyncs({ organizationId: org.id, userId: "atlas", role: "ADMIN" }, connection.id, "4 failed syncs in a row");
    expect(await by()).toMatchObject({ ...connectedBy, modifiedBy: null, modifiedByLabel: "Atlas" });
    await asAdmin(() => resumeSyncs(adminScope, connection.id));
    expect(await by()).toMatchObject({ modifiedBy: admin.id });

    // "Sync now" asks Nango for a run; it changes nothing about the connection.
    await asAda(() => triggerSyncNow(adaScope, connection.id));
    expect(await by()).toMatchObject({ modifiedBy: admin.id });

    // A failed sync puts it in ERROR, a later successful one heals it: both Atlas, from Nango's webhooks.
    await deliverWebhook((await h.nango.failSync(nangoConnectionId)).webhook);
    expect(await by()).toMatchObject({ ...atlasWebhook, status: "ERROR" });
    await asAda(() => pauseSyncs(adaScope, connection.id));
    await asAda(() => resumeSyncs(adaScope, connection.id));
    expect(await by()).toMatchObject({ modifiedBy: ada.id, status: "ERROR" });
    await deliverWebhook((await h.nango.simulateSync(nangoConnectionId, { added: 1 })).webhook);
    expect(await by()).toMatchObject({ ...atlasWebhook, status: "ACTIVE" });

    // One of its syncs paused by the admin.
    const [first] = await connectionSyncs(adminScope, connection.id);
    await asAdmin(() => setSyncPaused(adminScope, connection.id, first!.name, true));
    expect(await by()).toMatchObject({ ...connectedBy, modifiedBy: admin.id });

    // The trail holds the same story, actor for actor.
    const events = await prisma.auditEvent.findMany({ where: { organizationId: org.id, targetId: connection.id }, orderBy: { at: "asc" }, select: { action: true, actorId: true } });
    expect(events.map((e) => [e.action, e.actorId])).toEqual([
      ["connection.connected", ada.id],
      ["connection.status_changed", null],
      ["connection.reconnect_started", admin.id],
      ["connection.reauthorized", ada.id],
      ["connection.paused", admin.id],
      ["connection.resumed", ada.id],
      ["connection.auto_paused", null],
      ["connection.resumed", admin.id],
      ["connection.sync_now", ada.id],
      ["connection.status_changed", null],
      ["connection.paused", ada.id],
      ["connection.resumed", ada.id],
      ["connection.status_changed", null],
      ["connection.sync_paused", admin.id],
    ]);
  });

  it("a failure of a connection already in ERROR changes nothing and records nothing", async () => {
    const { org, connection, nangoConnectionId } = await connectedUser(h);
    await deliverWebhook((await h.nango.failSync(nangoConnectionId, { description: "first" })).webhook);
    await deliverWebhook((await h.nango.failSync(nangoConnectionId, { description: "second" })).webhook);
    const changes = await prisma.auditEvent.count({ where: { organizationId: org.id, action: "connection.status_changed" } });
    expect(changes).toBe(1);
    expect(await prisma.connection.findUniqueOrThrow({ where: { id: connection.id } })).toMatchObject({ status: "ERROR", modifiedByLabel: "Atlas (Nango webhook)" });
  });

  it("pages name people by name, Atlas as Atlas", () => {
    expect(actorNameOf("Ada Lovelace <ada@example.test>")).toBe("Ada Lovelace");
    expect(actorNameOf("ada@example.test")).toBe("ada@example.test");
    expect(actorNameOf("Atlas (Nango webhook)")).toBe("Atlas (Nango webhook)");
  });
});
