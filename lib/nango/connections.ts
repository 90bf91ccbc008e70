// What a signed-in person can do about connections through Nango: start a Connect UI session, re-authorize,
// sync now, pause/resume syncs, disconnect. Every action on an existing connection first finds it through
// connectionsVisibleTo(scope): members act on their own connections, admins on any of their organization.
// Anything else is "not found", so the existence of other people's connections is not revealed.
import "server-only";
import { createHash, randomBytes } from "node:crypto";
import { connectionTarget, recordAudit } from "@/lib/audit/record";
import { prisma, type Provider } from "@/lib/db/client";
import { connectionsVisibleTo, usersOf, type Scope } from "@/lib/data/scope";
import { NotFoundError } from "@/lib/errors";
import { projectKeyOf } from "@/lib/data/connection-metadata";
import { sealSessionMetadata } from "@/lib/data/sealed-metadata";
import { projectKeySchema } from "@/lib/project-key";
import { nangoClient } from "./client";
import { integrationIdFor, integrationOf, providerConfig } from "./providers";
import { requestKnowledgeRemoval } from "@/lib/ingest/removal";


export type ConnectSessionResult = {
  /** For @nangohq/frontend: new Nango({ connectSessionToken }).openConnectUI(...). Never stored by Atlas. */
  token: string;
  expiresAt: string;
  integrationId: string;
  /** Nango's hosted Connect UI page for this session: a link someone else can open until expiresAt. */
  connectLink: string;
};


/** Sessions are stored by the SHA-256 of their token: the row proves a session existed without being one. */
export const sessionIdOf = (token: string) => createHash("sha256").update(token).digest("hex");

async function actingUser(scope: Scope) {
  const user = await prisma.user.findFirst({
    where: { id: scope.userId, ...usersOf(scope) },
    select: { id: true, email: true, name: true, organization: { select: { id: true, name: true } } },
  });
  if (!user) throw new NotFoundError("Your account no longer exists; sign in again.");
  return user;
}

/** A Connect UI session for the acting user to connect one provider into one of the organization's projects. */
export async function createConnectSession(scope: Scope, provider: Provider, projectId: string): Promise<ConnectSessionResult> {
  const project = projectKeySchema.parse(projectId);
  const user = await actingUser(scope);
  // "default" always exists (created on first use); any other project must be one of the organization's.
  if (project !== "default" && !(await prisma.project.findFirst({ where: { organizationId: user.organization.id, key: project }, select: { id: true } }))) {
    throw new NotFoundError("That project does not exist in your organization.");
  }
  const integrationId = integrationIdFor(provider);
  const { data } = await nangoClient().createConnectSession({
    end_user: { id: user.id, email: user.email, display_name: user.name ?? undefined },
    organization: { id: user.organization.id, display_name: user.organization.name },
    allowed_integrations: [integrationId],
    // The auth webhook brings these back; they decide the new connection's organization and project.
    tags: { organization_id: user.organization.id, project_id: project },
  });
  await recordSession(user.id, provider, data, { integrationId, scope: { organizationId: user.organization.id, projectId: project } }, {
    action: "connection.connect_started",
    target: { type: "connection", label: `${provider} → ${project}` },
  });
  return { token: data.token, expiresAt: data.expires_at, integrationId, connectLink: data.connect_link };
}

/**
 * A Connect UI session that re-authorizes an existing connection (after EXPIRED, for instance). The end user
 * is always the connection's owner: an admin may start it (to send the owner the link, valid as long as
 * Nango's session, 30 minutes), but the account re-authorized stays the owner's.
 */
export async function createReconnectSession(scope: Scope, connectionRowId: string): Promise<ConnectSessionResult> {
  const connection = await visibleConnection(scope, connectionRowId);
  const user = await actingUser({ ...scope, userId: connection.userId });
  const integrationId = integrationOf(connection);
  const projectId = projectKeyOf(connection);
  const { data } = await nangoClient().createReconnectSession({
    connection_id: connection.connectionId,
    integration_id: integrationId,
    end_user: { id: user.id, email: user.email, display_name: user.name ?? undefined },
    organization: { id: user.organization.id, display_name: user.organization.name },
    tags: { organization_id: connection.organizationId, project_id: projectId },
  });
  await recordSession(user.id, connection.provider, data, {
    integrationId,
    scope: { organizationId: connection.organizationId, projectId },
    reconnectConnectionId: connection.id,
    ...(scope.userId !== connection.userId ? { requestedBy: scope.userId } : {}),
  }, { action: "connection.reconnect_started", target: connectionTarget(connection) });
  return { token: data.token, expiresAt: data.expires_at, integrationId, connectLink: data.connect_link };
}

async function recordSession(
  userId: string,
  provider: Provider,
  session: { token: string; expires_at: string; connect_link?: string },
  details: { integrationId: string; scope: { organizationId: string; projectId: string }; reconnectConnectionId?: string; requestedBy?: string },
  audit: { action: "connection.connect_started" | "connection.reconnect_started"; target: { type: string; id?: string; label?: string } },
) {
  await prisma.$transaction(async (tx) => {
    await tx.session.create({
      data: {
        sessionId: sessionIdOf(session.token),
        userId,
        provider,
        // Sealed at rest but for the expiry the retention task reads in SQL (lib/data/sealed-metadata.ts).
        metadata: sealSessionMetadata({ tokenExpiry: session.expires_at, ...details, nonce: randomBytes(16).toString("hex") }),
      },
    });
    await recordAudit(tx, { organizationId: details.scope.organizationId, ...audit, details: { provider, projectId: details.scope.projectId } });
  });
}

/** Runs the connection's syncs now instead of at their next schedule. */
export async function triggerSyncNow(scope: Scope, connectionRowId: string): Promise<void> {
  const connection = await visibleConnection(scope, connectionRowId);
  await nangoClient().triggerSync(integrationOf(connection), providerConfig(connection.provider).syncs, connection.connectionId);
  // Until a sync webhook removes it, the page says a sync was asked for and whether Nango has answered.
  await prisma.$executeRaw`
    UPDATE "Connection" SET metadata = COALESCE(metadata, '{}'::jsonb) || jsonb_build_object('syncRequestedAt', ${new Date().toISOString()}::text),
      "updatedAt" = now()
    WHERE id = ${connection.id}`;
  await recordAudit(prisma, { organizationId: connection.organizationId, action: "connection.sync_now", target: connectionTarget(connection) });
}

/**
 * Stops the connection's scheduled syncs; metadata.syncsPausedAt tells the dashboard. `reason` is Atlas's own
 * (auto-pause): kept in metadata.syncsPausedReason and audited as connection.auto_paused.
 */
export async function pauseSyncs(scope: Scope, connectionRowId: string, reason?: string): Promise<void> {
  const connection = await visibleConnection(scope, connectionRowId);
  await nangoClient().pauseSync(integrationOf(connection), providerConfig(connection.provider).syncs, connection.connectionId);
  const patch = { syncsPausedAt: new Date().toISOString(), ...(reason ? { syncsPausedReason: reason } : {}) };
  await prisma.$transaction(async (tx) => {
    // Keys changed in place: a webhook updating the same metadata meanwhile keeps its change.
    await tx.$executeRaw`
      UPDATE "Connection" SET metadata = (COALESCE(metadata, '{}'::jsonb) - 'syncsPausedReason') || ${JSON.stringify(patch)}::jsonb,
        "updatedAt" = now()
      WHERE id = ${connection.id}`;
    await recordAudit(tx, { organizationId: connection.organizationId, action: reason ? "connection.auto_paused" : "connection.paused", target: connectionTarget(connection), ...(reason ? { details: { reason } } : {}) });
  });
}

export async function resumeSyncs(scope: Scope, connectionRowId: string): Promise<void> {
  const connection = await visibleConnection(scope, connectionRowId);
  await nangoClient().startSync(integrationOf(connection), providerConfig(connection.provider).syncs, connection.connectionId);
  await prisma.$transaction(async (tx) => {
    await tx.$executeRaw`UPDATE "Connection" SET metadata = metadata - 'syncsPausedAt' - 'syncsPausedReason', "updatedAt" = now() WHERE id = ${connection.id}`;
    await recordAudit(tx, { organizationId: connection.organizationId, action: "connection.resumed", target: connectionTarget(connection) });
  });
}

/** Deletes the connection in Nango (revoking Atlas's access), then the row and its sync jobs. */
/**
 * Deletes the connection in Nango, then in Atlas. With `removeKnowledge`, what it wrote to the knowledge graph
 * is removed in the background (by episode uuid, from the ledger); otherwise it stays, without a source.
 */
export async function disconnect(scope: Scope, connectionRowId: string, opts: { removeKnowledge?: boolean } = {}): Promise<void> {
  const connection = await visibleConnection(scope, connectionRowId);
  try {
    await nangoClient().deleteConnection(integrationOf(connection), connection.connectionId);
  } catch (err) {
    // Already gone in Nango (deleted there, or an earlier attempt): finish the job on our side.
    if (!isUnknownToNango(err)) throw err;
  }
  await prisma.$transaction(async (tx) => {
    const { count } = await tx.connection.deleteMany({ where: { id: connection.id, ...connectionsVisibleTo(scope) } });
    // The row and its sync jobs go; the audit event is what remains of them.
    if (count) await recordAudit(tx, { organizationId: connection.organizationId, action: "connection.disconnected", target: connectionTarget(connection), before: { status: connection.status, userId: connection.userId, metadata: connection.metadata ?? {} }, details: { removeKnowledge: Boolean(opts.removeKnowledge) } });
  });
  if (opts.removeKnowledge) await requestKnowledgeRemoval(connection.connectionId);
}

/** Nango answers DELETE of a connection it does not know with 400 unknown_connection (GET with 404). */
function isUnknownToNango(err: unknown): boolean {
  const response = (err as { response?: { status?: number; data?: { error?: { code?: string } } } } | null)?.response;
  return response?.status === 404 || (response?.status === 400 && response.data?.error?.code === "unknown_connection");
}

/** The connection if the scope may act on it, else NotFoundError (another person's looks like a missing one). */
export async function visibleConnection(scope: Scope, connectionRowId: string) {
  const connection = await prisma.connection.findFirst({ where: { id: connectionRowId, ...connectionsVisibleTo(scope) } });
  if (!connection) throw new NotFoundError("This connection no longer exists, or it is not yours.");
  return connection;
}

