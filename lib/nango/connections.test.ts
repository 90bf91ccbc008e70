// Connect sessions and connection actions against the Nango sandbox, with webhooks delivered to the handler.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prisma, type Role } from "@/lib/db/client";
import { NotFoundError } from "@/lib/errors";
import type { Scope } from "@/lib/data/scope";
import { createOrg, createUser } from "@/lib/test/factory";
import { startNangoSandbox, type NangoSandbox } from "@/sandbox/nango";
import {
  createConnectSession,
  createReconnectSession,
  disconnect,
  pauseSyncs,
  resumeSyncs,
  sessionIdOf,
  triggerSyncNow,
} from "./connections";
import { deliverWebhook as deliver } from "@/lib/test/webhooks";

let sandbox: NangoSandbox;
beforeAll(async () => {
  sandbox = await startNangoSandbox({ secretKey: "sk-connect", webhookSigningKey: "whsec-connect", rateLimitPerMinute: 100_000 });
  process.env.NANGO_HOST = sandbox.url;
  process.env.NANGO_SECRET_KEY = "sk-connect";
  process.env.NANGO_WEBHOOK_SIGNING_KEY = "whsec-connect";
});
afterAll(() => sandbox.stop());

const scopeOf = (u: { id: string; organizationId: string; role: Role }): Scope => ({ organizationId: u.organizationId, userId: u.id, role: u.role });

/** Connects through the whole flow: Atlas session → Connect UI "Authorize" → auth webhook → Connection row. */
async function connectThroughUi(scope: Scope, provider: "GITHUB" | "SLACK" | "LINEAR" = "GITHUB", projectId = "default") {
  const session = await createConnectSession(scope, provider, projectId);
  const { connectionId, webhook } = await sandbox.authorizeSession(session.token);
  expect(await deliver(webhook)).toMatchObject({ status: 200, body: { outcome: "APPLIED" } });
  return prisma.connection.findUniqueOrThrow({ where: { connectionId } });
}

async function team() {
  const org = await createOrg();
  const admin = await createUser(org.id, { role: "ADMIN", name: "Admin" });
  const ada = await createUser(org.id, { name: "Ada" });
  const ben = await createUser(org.id, { name: "Ben" });
  const outsider = await createUser((await createOrg()).id, { role: "ADMIN" });
  await prisma.project.createMany({ data: ["research", "proj-7", "proj-1"].map((key) => ({ organizationId: org.id, key, name: key })) });
  return { org, admin, ada, ben, outsider };
}

describe("createConnectSession", () => {
  it("opens a Nango session for the acting user and stores only the token's hash", async () => {
    const { org, ada } = await team();
    const result = await createConnectSession(scopeOf(ada), "NOTION", "research");

    expect(result).toEqual({ connectLink: expect.stringContaining("/connect/?session_token=nango_connect_session_"), token: expect.stringMatching(/^nango_connect_session_[0-9a-f]{64}$/), expiresAt: expect.any(String), integrationId: "notion" });
    const rows = await prisma.session.findMany({ where: { userId: ada.id } });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      sessionId: sessionIdOf(result.token),
      provider: "NOTION",
      metadata: { tokenExpiry: result.expiresAt, integrationId: "notion", scope: { organizationId: org.id, projectId: "research" }, nonce: expect.stringMatching(/^[0-9a-f]{32}$/) },
    });
    expect(JSON.stringify(rows[0])).not.toContain(result.token);

    // What Nango holds: the Atlas user as end user, the organization and project as tags, one integration.
    const session = await fetch(`${sandbox.url}/connect/session`, { headers: { Authorization: `Bearer ${result.token}` } }).then((r) => r.json());
    expect(session.data).toMatchObject({
      allowed_integrations: ["notion"],
      endUser: { id: ada.id, email: ada.email, display_name: "Ada", organization: { id: org.id } },
      tags: { organization_id: org.id, project_id: "research" },
    });
  });

  it("creates the connection for the user, in the project, once the user authorizes", async () => {
    const { org, ada } = await team();
    const connection = await connectThroughUi(scopeOf(ada), "SLACK", "proj-7");
    expect(connection).toMatchObject({ provider: "SLACK", userId: ada.id, organizationId: org.id, status: "ACTIVE", metadata: { projectId: "proj-7", integrationId: "slack" } });
  });

  it("works the same for Linear, added as one enum value and one provider-table row", async () => {
    const { ada } = await team();
    const connection = await connectThroughUi(scopeOf(ada), "LINEAR");
    expect(connection).toMatchObject({ provider: "LINEAR", status: "ACTIVE", metadata: { integrationId: "linear" } });
    const run = await sandbox.simulateSync(connection.connectionId, { added: 3 });
    expect(run.model).toBe("LinearIssue");
    await deliver(run.webhook);
    expect(await prisma.syncJob.findMany({ where: { connectionId: connection.id }, select: { recordsProcessed: true } })).toEqual([{ recordsProcessed: 3 }]);
  });

  it("refuses a malformed project id", async () => {
    const { ada } = await team();
    await expect(createConnectSession(scopeOf(ada), "GITHUB", "../other")).rejects.toThrow(/project id/);
  });

  it("refuses a project the organization does not have (another organization's included), and stores nothing", async () => {
    const { ada, outsider } = await team();
    await prisma.project.create({ data: { organizationId: outsider.organizationId, key: "theirs", name: "Theirs" } });
    const before = await prisma.session.count({ where: { userId: ada.id } });
    await expect(createConnectSession(scopeOf(ada), "GITHUB", "theirs")).rejects.toBeInstanceOf(NotFoundError);
    await expect(createConnectSession(scopeOf(ada), "GITHUB", "nope")).rejects.toBeInstanceOf(NotFoundError);
    expect(await prisma.session.count({ where: { userId: ada.id } })).toBe(before);
  });
});

describe("actions on a connection", () => {
  it("members act on their own connections only; admins on any of their organization; nobody across organizations", async () => {
    const { admin, ada, ben, outsider } = await team();
    const adas = await connectThroughUi(scopeOf(ada));

    for (const stranger of [ben, outsider]) {
      for (const action of [triggerSyncNow, pauseSyncs, resumeSyncs, disconnect, createReconnectSession]) {
        await expect(action(scopeOf(stranger), adas.id)).rejects.toBeInstanceOf(NotFoundError);
      }
    }
    expect(sandbox.getConnectionIds()).toContain(adas.connectionId);

    await triggerSyncNow(scopeOf(ada), adas.id);
    // The page says it waits for Nango until a sync webhook arrives.
    expect((await prisma.connection.findUniqueOrThrow({ where: { id: adas.id } })).metadata).toHaveProperty("syncRequestedAt");
    expect(sandbox.syncStatusOf(adas.connectionId).find((s) => s.name === "issues")!.status).toBe("RUNNING");
    await sandbox.idle(); // the run Sync now started has finished (and sent its webhook)
    await pauseSyncs(scopeOf(admin), adas.id);
    expect(sandbox.syncStatusOf(adas.connectionId).find((s) => s.name === "issues")!.status).toBe("PAUSED");
    expect((await prisma.connection.findUniqueOrThrow({ where: { id: adas.id } })).metadata).toHaveProperty("syncsPausedAt");
    await resumeSyncs(scopeOf(ada), adas.id);
    expect(sandbox.syncStatusOf(adas.connectionId).find((s) => s.name === "issues")!.status).toBe("SUCCESS");
    expect((await prisma.connection.findUniqueOrThrow({ where: { id: adas.id } })).metadata).not.toHaveProperty("syncsPausedAt");
  });

  it("disconnect deletes the connection in Nango, then the row with its jobs (also if Nango already lost it: 400 unknown_connection)", async () => {
    const { admin, ada } = await team();
    const first = await connectThroughUi(scopeOf(ada));
    await deliver((await sandbox.simulateSync(first.connectionId, { added: 2 })).webhook);
    expect(await prisma.syncJob.count({ where: { connectionId: first.id } })).toBe(1);

    await disconnect(scopeOf(admin), first.id);
    expect(sandbox.getConnectionIds()).not.toContain(first.connectionId);
    expect(await prisma.connection.findUnique({ where: { id: first.id } })).toBeNull();
    expect(await prisma.syncJob.count({ where: { connectionId: first.id } })).toBe(0);

    const second = await connectThroughUi(scopeOf(ada));
    await fetch(`${sandbox.url}/connections/${second.connectionId}?provider_config_key=github`, { method: "DELETE", headers: { Authorization: "Bearer sk-connect" } });
    // What Nango answers a second DELETE (not 404, which only GET answers).
    const again = await fetch(`${sandbox.url}/connections/${second.connectionId}?provider_config_key=github`, { method: "DELETE", headers: { Authorization: "Bearer sk-connect" } });
    expect({ status: again.status, code: ((await again.json()) as { error: { code: string } }).error.code }).toEqual({ status: 400, code: "unknown_connection" });
    await disconnect(scopeOf(ada), second.id);
    expect(await prisma.connection.findUnique({ where: { id: second.id } })).toBeNull();
  });

  it("reconnect: an admin re-authorizes a member's expired connection; it stays the member's, ACTIVE again", async () => {
    const { admin, ada } = await team();
    const connection = await connectThroughUi(scopeOf(ada), "GITHUB", "proj-1");
    await deliver((await sandbox.expireConnection(connection.connectionId)).webhook);
    expect((await prisma.connection.findUniqueOrThrow({ where: { id: connection.id } })).status).toBe("EXPIRED");

    const session = await createReconnectSession(scopeOf(admin), connection.id);
    expect(await prisma.session.findUnique({ where: { sessionId: sessionIdOf(session.token) } })).toMatchObject({
      // The owner re-authorizes their own account; the admin only asked for it.
      userId: ada.id,
      provider: "GITHUB",
      metadata: { reconnectConnectionId: connection.id, scope: { projectId: "proj-1" }, requestedBy: admin.id },
    });
    const { webhook } = await sandbox.authorizeSession(session.token);
    expect(webhook.payload).toMatchObject({ operation: "override", connectionId: connection.connectionId });
    expect(await deliver(webhook)).toMatchObject({ status: 200, body: { outcome: "APPLIED" } });
    expect(await prisma.connection.findUniqueOrThrow({ where: { id: connection.id } })).toMatchObject({ status: "ACTIVE", userId: ada.id });
  });
});
