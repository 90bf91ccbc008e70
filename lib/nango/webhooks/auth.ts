// Auth webhooks: a connection created or re-authorized (creation / override), a refresh that failed, and
// failed creations and re-authorizations.
// Each change is audited (lib/audit/record.ts), which also sets the connection's createdBy/modifiedBy: the person
// who authorized in Connect UI (Nango's end user) for a connection or re-authorization, Atlas for what Nango
// reported on its own.
import "server-only";
import { connectionTarget, NANGO_WEBHOOK_ACTOR, personActor, recordAudit, type Actor } from "@/lib/audit/record";
import { mergeConnectionMetadata, readConnectionMetadata } from "@/lib/data/connection-metadata";
import type { TimedErrorEntry } from "@/lib/data/error-entry";
import type { Prisma, Provider } from "@/lib/db/client";
import { providerForIntegration } from "../providers";
import type { Applied, AuthWebhook, Tx } from "./schemas";

const errorText = (w: AuthWebhook) => (w.error ? `${w.error.type}: ${w.error.description}` : "no error given");

export async function applyAuth(tx: Tx, w: AuthWebhook): Promise<Applied> {
  const provider = providerForIntegration(w.providerConfigKey);
  if (!provider) return { outcome: "IGNORED", reason: `integration ${w.providerConfigKey} is not mapped to an Atlas provider` };
  // Locked first: the metadata is rewritten whole below (see sync.ts), and a person's pause meanwhile must stay.
  await tx.$queryRaw`SELECT 1 FROM "Connection" WHERE "connectionId" = ${w.connectionId} FOR UPDATE`;
  const existing = await tx.connection.findUnique({ where: { connectionId: w.connectionId } });

  if (!w.success) {
    if (w.operation === "creation") return { outcome: "IGNORED", reason: `failed creation (${errorText(w)}): no connection to record` };
    if (!existing) return { outcome: "IGNORED", reason: "unknown connection" };
    const entry: TimedErrorEntry = {
      message: w.error?.description ?? (w.operation === "refresh" ? "Token refresh failed" : "Re-authorization failed"),
      code: w.error?.type ?? `${w.operation}_failed`,
      timestamp: new Date().toISOString(),
    };
    if (w.operation === "refresh") {
      await tx.connection.update({ where: { id: existing.id }, data: { status: "EXPIRED", metadata: mergeConnectionMetadata(existing.metadata, { lastError: entry }) } });
      if (existing.status !== "EXPIRED") await statusChanged(tx, existing, "EXPIRED", entry.code);
      return { outcome: "APPLIED", organizationId: existing.organizationId };
    }
    if (w.operation === "override") {
      // The old credentials still stand (Nango keeps them when a re-authorization fails), so the status stays
      // what it was; the connection shows the failed attempt until a successful one clears it.
      await tx.connection.update({ where: { id: existing.id }, data: { metadata: mergeConnectionMetadata(existing.metadata, { lastAuthError: entry }) } });
      return { outcome: "APPLIED", reason: `re-authorization failed (${errorText(w)})`, organizationId: existing.organizationId };
    }
    return { outcome: "IGNORED", reason: `failed ${w.operation} leaves nothing to record` };
  }

  if (w.operation !== "creation" && w.operation !== "override") return { outcome: "IGNORED", reason: `auth operation ${w.operation} is not used by Atlas` };

  const organizationId = w.tags?.organization_id ?? w.endUser?.organizationId ?? null;
  if (existing) {
    // Re-authorization (or a creation redelivered after other events): never moves the connection to
    // another owner or organization; whoever re-authorized, it stays the owner's connection.
    if (organizationId && organizationId !== existing.organizationId) {
      return { outcome: "REJECTED", reason: "organization_id does not match the connection's organization" };
    }
    const updated = await tx.connection.update({ where: { id: existing.id }, data: { status: "ACTIVE", metadata: authMetadata(existing.metadata, w) } });
    // A creation redelivered changes nothing worth an event; a re-authorization is the end user's.
    if (w.operation === "override") {
      await recordAudit(tx, {
        organizationId: existing.organizationId,
        action: "connection.reauthorized",
        actor: await endUserActor(tx, w, existing.organizationId),
        target: connectionTarget(updated),
        before: { status: existing.status },
        after: { status: "ACTIVE" },
      });
    }
    return { outcome: "APPLIED", organizationId: existing.organizationId };
  }

  const userId = w.endUser?.endUserId ?? w.tags?.end_user_id;
  if (!userId) return { outcome: "IGNORED", reason: "no end user: the connection was not created through an Atlas connect session" };
  const user = await tx.user.findUnique({ where: { id: userId }, select: { id: true, organizationId: true, name: true, email: true } });
  if (!user) return { outcome: "IGNORED", reason: "unknown end user" };
  if (!organizationId) return { outcome: "IGNORED", reason: "no organization_id tag" };
  if (organizationId !== user.organizationId) return { outcome: "REJECTED", reason: "organization_id does not match the end user's organization" };
  const created = await tx.connection.create({
    data: {
      connectionId: w.connectionId,
      provider: provider satisfies Provider,
      userId: user.id,
      organizationId: user.organizationId,
      status: "ACTIVE",
      metadata: authMetadata(null, w),
    },
  });
  await recordAudit(tx, {
    organizationId,
    action: "connection.connected",
    actor: personActor({ userId: user.id, name: user.name, email: user.email }),
    target: connectionTarget(created),
    details: { provider, projectId: w.tags?.project_id ?? "default" },
  });
  return { outcome: "APPLIED", organizationId };
}

/** Who authorized in Connect UI: Nango's end user, when it is a person of this organization; else Atlas. */
async function endUserActor(tx: Tx, w: AuthWebhook, organizationId: string): Promise<Actor> {
  const id = w.endUser?.endUserId ?? w.tags?.end_user_id;
  const user = id ? await tx.user.findFirst({ where: { id, organizationId }, select: { id: true, name: true, email: true } }) : null;
  return user ? personActor({ userId: user.id, name: user.name, email: user.email }) : NANGO_WEBHOOK_ACTOR;
}

/** A status Nango's report moved the connection to (Atlas acting, not a person). */
export async function statusChanged(tx: Tx, c: { id: string; provider: Provider; metadata: unknown; organizationId: string; status: string }, status: string, code?: string) {
  await recordAudit(tx, {
    organizationId: c.organizationId,
    action: "connection.status_changed",
    actor: NANGO_WEBHOOK_ACTOR,
    target: connectionTarget(c),
    before: { status: c.status },
    after: { status },
    ...(code ? { details: { code } } : {}),
  });
}

/** Connection metadata after a successful (re-)authorization: what we knew, plus the webhook's facts. */
function authMetadata(previous: unknown, w: AuthWebhook): Prisma.InputJsonValue {
  const kept = readConnectionMetadata(previous);
  return {
    ...mergeConnectionMetadata(previous, {
      lastError: undefined,
      lastAuthError: undefined,
      integrationId: w.providerConfigKey,
      projectId: w.tags?.project_id ?? kept.projectId ?? "default",
      ...(w.operation === "override" ? { reauthorizedAt: new Date().toISOString() } : {}),
    }),
    // null when Nango does not say (as before: the key is present, its value unknown).
    authMode: w.authMode ?? null,
    // The provider account's own name needs a getConnection call; until then, who connected it.
    accountName: kept.accountName ?? w.tags?.end_user_display_name ?? w.endUser?.endUserEmail ?? w.tags?.end_user_email ?? null,
  };
}
