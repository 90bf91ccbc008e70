// The audit trail's one writer. Every change made by a person or by Atlas itself calls recordAudit with the
// transaction that makes the change, so the event exists exactly when the change does. Who acted and the
// request id come from the action context (lib/actions.ts opens it for every server action); outside one,
// the actor is Atlas itself (maintenance, auto-pause).
import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import type { Prisma, PrismaClientType } from "@/lib/db/client";
import { withLogContext } from "@/lib/log";

export const AUDIT_ACTIONS = [
  "connection.connect_started",
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

/** How the trail names a person: "Name <email>", or the email alone. */
export const personActor = (p: { userId: string; name: string | null; email: string }): Actor => ({ userId: p.userId, label: p.name ? `${p.name} <${p.email}>` : p.email });

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

/** Appends one event, inside the caller's transaction. */
export async function recordAudit(tx: Db, event: AuditEventInput): Promise<void> {
  const ctx = currentActor();
  const actor = event.actor ?? ctx.actor;
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
