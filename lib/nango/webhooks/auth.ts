// Auth webhooks: a connection created or re-authorized (creation / override), a refresh that failed, and
// failed creations and re-authorizations.
import "server-only";
import { mergeConnectionMetadata, readConnectionMetadata } from "@/lib/data/connection-metadata";
import type { TimedErrorEntry } from "@/lib/data/error-entry";
import type { Prisma, Provider } from "@/lib/db/client";
import { providerForIntegration } from "../providers";
import type { Applied, AuthWebhook, Tx } from "./schemas";

const errorText = (w: AuthWebhook) => (w.error ? `${w.error.type}: ${w.error.description}` : "no error given");

export async function applyAuth(tx: Tx, w: AuthWebhook): Promise<Applied> {
  const provider = providerForIntegration(w.providerConfigKey);
  if (!provider) return { outcome: "IGNORED", reason: `integration ${w.providerConfigKey} is not mapped to an Atlas provider` };
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
    await tx.connection.update({ where: { id: existing.id }, data: { status: "ACTIVE", metadata: authMetadata(existing.metadata, w) } });
    return { outcome: "APPLIED", organizationId: existing.organizationId };
  }

  const userId = w.endUser?.endUserId ?? w.tags?.end_user_id;
  if (!userId) return { outcome: "IGNORED", reason: "no end user: the connection was not created through an Atlas connect session" };
  const user = await tx.user.findUnique({ where: { id: userId }, select: { id: true, organizationId: true } });
  if (!user) return { outcome: "IGNORED", reason: "unknown end user" };
  if (!organizationId) return { outcome: "IGNORED", reason: "no organization_id tag" };
  if (organizationId !== user.organizationId) return { outcome: "REJECTED", reason: "organization_id does not match the end user's organization" };
  await tx.connection.create({
    data: {
      connectionId: w.connectionId,
      provider: provider satisfies Provider,
      userId: user.id,
      organizationId: user.organizationId,
      status: "ACTIVE",
      metadata: authMetadata(null, w),
    },
  });
  return { outcome: "APPLIED", organizationId };
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
