// The audit trail's one writer. Every change made by a person or by Atlas itself calls recordAudit with the
// transaction that makes the change, so the event exists exactly when the change does. Who acted and the
// request id come from the action context (lib/actions.ts opens it for every server action); outside one,
// the actor is Atlas itself (maintenance, auto-pause).
import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import type { Prisma, PrismaClientType, Provider } from "@/lib/db/client";
import { accountNameOf } from "@/lib/data/connection-metadata";
import { withLogContext } from "@/lib/log";

export const AUDIT_ACTIONS = [
  "connection.connect_started",
  "connection.connected",
  "connection.reauthorized",
  "connection.status_changed",
  "connection.reconnect_started",
  "connection.sync_now",
  "connection.paused",
  "connection.resumed",
  "connection.auto_paused",
  "connection.disconnected",
  "connection.sync_paused",
  "connection.sync_resumed",
  "connection.reconnect_links",
  "connection.exported",
  "sync.bulk_retried",
  "sync.retried",
  "sync.cancelled",
  "sync.exported",
  "user.invited",
  "user.role_changed",
  "user.removed",
  "project.created",
  "knowledge.rebuild_started",
  "knowledge.rebuild_cancelled",
  "knowledge.rebuild_finished",
  "alerts.channel_created",
  "alerts.channel_updated",
  "alerts.channel_deleted",
  "alerts.settings_changed",
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export type Actor = { userId: string | null; label: string };
export const ATLAS_ACTOR: Actor = { userId: null, label: "Atlas" };
/** Atlas applying what a Nango webhook reported (a token refresh that failed, a sync that failed or healed). */
export const NANGO_WEBHOOK_ACTOR: Actor = { userId: null, label: "Atlas (Nango webhook)" };

/** How the trail names a person: "Name <email>", or the email alone. */
export const personActor = (p: { userId: string; name: string | null; email: string }): Actor => ({ userId: p.userId, label: p.name ? `${p.name} <${p.email}>` : p.email });

/** What a page shows of an actor's label: the name of "Name <email>", else the label itself ("Atlas", an email). */
export const actorNameOf = (label: string) => /^(.+?) <[^>]+>$/.exec(label)?.[1] ?? label;

type Context = { actor: Actor; requestId: string };
const context = new AsyncLocalStorage<Context>();

/** Runs `work` with `actor` as the author of every audit event it records (server actions, route handlers). */
export function withAuditContext<T>(actor: Actor, work: () => Promise<T>, requestId: string = randomUUID()): Promise<T> {
  return context.run({ actor, requestId }, () => withLogContext({ requestId }, work));
}

/** The acting person (or Atlas) and request id of the current action. */
export function currentActor(): Context {
  return context.getStore() ?? { actor: ATLAS_ACTOR, requestId: randomUUID() };
}

/** How the trail names a connection (kept as text: the row may be deleted later). */
export const connectionTarget = (c: { id: string; provider: Provider; metadata: unknown }) => ({
  type: "connection",
  id: c.id,
  label: [c.provider, accountNameOf(c)].filter(Boolean).join(" "),
});

/** A Prisma client or interactive transaction. */
export type Db = Prisma.TransactionClient | PrismaClientType;

export type AuditEventInput = {
  organizationId: string;
  action: AuditAction;
  target: { type: string; id?: string | null; label?: string | null };
  before?: Prisma.InputJsonValue;
  after?: Prisma.InputJsonValue;
  details?: Prisma.InputJsonValue;
  /** Overrides the context's actor (Atlas acting on its own inside a person's request, say). */
  actor?: Actor;
};

/**
 * The audited actions that change a connection: their actor becomes its modifiedBy (and, connecting, its
 * createdBy), in the same transaction, so "last changed by" and the trail cannot disagree. Not a change: starting
 * a connect or reconnect session or asking for a sync now (nothing about the connection is different yet),
 * and disconnecting (the row is gone; the event remains).
 */
const CONNECTION_CHANGES: ReadonlySet<AuditAction> = new Set<AuditAction>([
  "connection.connected",
  "connection.reauthorized",
  "connection.status_changed",
  "connection.paused",
  "connection.resumed",
  "connection.auto_paused",
  "connection.sync_paused",
  "connection.sync_resumed",
]);

/** Appends one event, inside the caller's transaction. */
export async function recordAudit(tx: Db, event: AuditEventInput): Promise<void> {
  const ctx = currentActor();
  const actor = event.actor ?? ctx.actor;
  if (event.target.type === "connection" && event.target.id && CONNECTION_CHANGES.has(event.action)) {
    const by = { modifiedBy: actor.userId, modifiedByLabel: actor.label };
    await tx.connection.updateMany({
      where: { id: event.target.id, organizationId: event.organizationId },
      data: event.action === "connection.connected" ? { ...by, createdBy: actor.userId, createdByLabel: actor.label } : by,
    });
  }
  await tx.auditEvent.create({
    data: {
      organizationId: event.organizationId,
      actorId: actor.userId,
      actorLabel: actor.label,
      action: event.action,
      targetType: event.target.type,
      targetId: event.target.id ?? null,
      targetLabel: event.target.label ?? null,
      before: event.before,
      after: event.after,
      details: event.details,
      requestId: ctx.requestId,
    },
  });
}
