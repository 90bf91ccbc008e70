// One stored delivery → its effect: read the body, check its shape, skip redeliveries, and hand it to the
// file of its type (auth.ts, sync.ts, forward.ts). Runs inside the inbox worker's transaction; whatever the
// body holds, the answer is an outcome with a reason (content never throws: only the database can).
import "server-only";
import { applyAuth } from "./auth";
import { parseObject, safeJson, type Json } from "./body";
import { applyUnused } from "./forward";
import { authSchema, describeIssues, syncSchema, type Applied, type AuthWebhook, type SyncWebhook, type Tx } from "./schemas";
import { applySync } from "./sync";

export type StoredDelivery = { id: string; rawBody: Uint8Array | null; connectionId: string | null; bodyHash: string; seq: bigint };

export type Dispatched = Applied & { type: string | null; payload: Json | null };

export async function applyDelivery(tx: Tx, d: StoredDelivery): Promise<Dispatched> {
  if (!d.rawBody) return { outcome: "REJECTED", reason: "no body stored", type: null, payload: null };
  const parsed = parseObject(d.rawBody);
  if (!parsed.ok) return { outcome: "REJECTED", reason: parsed.reason, type: null, payload: null };
  // What jsonb and text refuse (NUL, lone surrogates) is replaced before anything is read or written.
  const body = safeJson(parsed.value) as { [key: string]: Json };
  const type = typeof body.type === "string" ? body.type.slice(0, 100) : null;
  const done = (a: Applied): Dispatched => ({ ...a, type, payload: body });

  if (body.type !== "auth" && body.type !== "sync") {
    return done({ ...applyUnused(body.type), organizationId: (await organizationOf(tx, d.connectionId)) ?? undefined });
  }
  // A failed creation may come without a usable connection id: nothing to attach it to, but worth a line.
  if (body.type === "auth" && body.success === false && (typeof body.connectionId !== "string" || body.connectionId === "")) {
    const e = body.error && typeof body.error === "object" && !Array.isArray(body.error) ? body.error : {};
    return done({ outcome: "IGNORED", reason: `failed ${String(body.operation ?? "auth")} without a usable connection id (${String(e.type ?? "no error type")}: ${String(e.description ?? "")})` });
  }
  const result = body.type === "auth" ? authSchema.safeParse(body) : syncSchema.safeParse(body);
  if (!result.success) return done({ outcome: "REJECTED", reason: `invalid ${body.type} webhook: ${describeIssues(result.error)}` });
  const webhook = result.data as AuthWebhook | SyncWebhook;

  if (await isDuplicate(tx, webhook, d)) return done({ outcome: "DUPLICATE", reason: "already applied" });
  return done(webhook.type === "auth" ? await applyAuth(tx, webhook) : await applySync(tx, webhook));
}

/** Whose delivery this is, for the admins' webhook log: the organization of the connection, once it exists. */
export async function organizationOf(db: Tx, nangoConnectionId: string | null): Promise<string | null> {
  if (!nangoConnectionId) return null;
  const [row] = await db.$queryRaw<{ organizationId: string }[]>`SELECT "organizationId" FROM "Connection" WHERE "connectionId" = ${nangoConnectionId}`;
  return row?.organizationId ?? null;
}

/**
 * A redelivery of a webhook already applied. Sync webhooks carry their run's timestamps (a failure its
 * failedAt), so the same body seen before is always the same event. Auth webhooks carry no timestamp (an
 * expiry after a reconnect looks exactly like the first expiry), so only a repeat of the latest applied
 * webhook of the connection counts as duplicate. (Raw SQL: once per delivery, see sync.ts.)
 */
async function isDuplicate(tx: Tx, webhook: AuthWebhook | SyncWebhook, d: StoredDelivery): Promise<boolean> {
  if (webhook.type === "sync") {
    const seen = await tx.$queryRaw<unknown[]>`
      SELECT 1 FROM "WebhookDelivery"
      WHERE "connectionId" = ${d.connectionId} AND "bodyHash" = ${d.bodyHash} AND outcome = 'APPLIED' AND type = 'sync' AND seq < ${d.seq}
      LIMIT 1`;
    return seen.length > 0;
  }
  // Latest applied delivery of any type: after a sync failure put the connection in ERROR, the same
  // "override" body as before is a new reconnect, not a redelivery.
  const [latest] = await tx.$queryRaw<{ bodyHash: string; type: string | null }[]>`
    SELECT "bodyHash", type FROM "WebhookDelivery"
    WHERE "connectionId" = ${d.connectionId} AND outcome = 'APPLIED' AND seq < ${d.seq}
    ORDER BY seq DESC LIMIT 1`;
  return latest?.type === "auth" && latest.bodyHash === d.bodyHash;
}
