// Nango's webhooks (nango.md §3) turned into Connection and SyncJob rows. Every delivery is logged in
// WebhookDelivery with its outcome:
//   APPLIED    the webhook changed Atlas's state
//   DUPLICATE  a redelivery of a webhook already applied; nothing changed
//   IGNORED    authentic and well-formed, but nothing to do (forward webhooks, unknown connection, ...)
//   REJECTED   too large, unsigned/forged, malformed, or contradicting Atlas's tenancy
//
// Concurrency: all processing for one Nango connection runs in a transaction holding a PostgreSQL
// advisory lock on that connection id, so concurrent deliveries (Nango retries, parallel syncs) are
// applied one after the other; the duplicate check and the write happen under the same lock. Unique
// constraints (Connection.connectionId, SyncJob.syncId) back this up.
import { createHash } from "node:crypto";
import { z } from "zod";
import { prisma, type Prisma, type Provider, type WebhookOutcome } from "@/lib/db/client";
import { verifyNangoWebhook } from "./client";
import { enqueueIngestion } from "./ingestion";
import { providerForIntegration } from "./providers";

/** Nango's webhooks are a few hundred bytes; forward webhooks carry provider payloads, still far below this. */
export const MAX_WEBHOOK_BYTES = 256 * 1024;

export type WebhookResponse = { status: number; body: unknown };

// --- payload schemas (only the fields Atlas relies on; Nango may add more) ------------------------

const isoDate = z.iso.datetime({ offset: true });
const tags = z.record(z.string(), z.string());
const errorPayload = z.object({ type: z.string(), description: z.string() });

const authSchema = z.looseObject({
  type: z.literal("auth"),
  from: z.string(),
  connectionId: z.string().min(1),
  providerConfigKey: z.string().min(1),
  provider: z.string(),
  authMode: z.string().optional(),
  environment: z.string().optional(),
  operation: z.string(),
  success: z.boolean(),
  tags: tags.optional(),
  endUser: z
    .looseObject({
      endUserId: z.string().min(1),
      endUserEmail: z.string().nullish(),
      organizationId: z.string().nullish(),
      tags: tags.optional(),
    })
    .optional(),
  error: errorPayload.optional(),
});

const syncBase = {
  type: z.literal("sync"),
  from: z.string(),
  connectionId: z.string().min(1),
  providerConfigKey: z.string().min(1),
  syncName: z.string().min(1),
  syncVariant: z.string().optional(),
  model: z.string().min(1),
};
const count = z.number().int().min(0);
const syncSchema = z.discriminatedUnion("success", [
  z.looseObject({
    ...syncBase,
    success: z.literal(true),
    modifiedAfter: isoDate,
    queryTimeStamp: isoDate.nullish(),
    responseResults: z.looseObject({ added: count, updated: count, deleted: count }),
  }),
  z.looseObject({ ...syncBase, success: z.literal(false), error: errorPayload, startedAt: isoDate, failedAt: isoDate }),
]);

type AuthWebhook = z.infer<typeof authSchema>;
type SyncWebhook = z.infer<typeof syncSchema>;
type Tx = Prisma.TransactionClient;

/** What applying a webhook came to; `status` is the HTTP answer, `ingestJobId` a job to hand to ingestion. */
/** `organizationId`: whose delivery it is, when applying it already read the connection (saves the lookup). */
type Applied = { outcome: WebhookOutcome; reason?: string; status?: number; ingestJobId?: string; organizationId?: string };

// --- entry point -----------------------------------------------------------------------------------

/**
 * The request body as text, read no further than `limit` bytes: a sender that claims or streams more gets
 * null (answer 413) without Atlas buffering it all.
 */
export async function readBodyWithin(req: Request, limit = MAX_WEBHOOK_BYTES): Promise<string | null> {
  const declared = Number(req.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > limit) return null;
  if (!req.body) return "";
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

async function rejectDelivery(status: number, reason: string, bodyHash: string): Promise<WebhookResponse> {
  // Unverified input is never stored; the row says only that something was refused, and why.
  await prisma.webhookDelivery.create({ data: { outcome: "REJECTED", reason, bodyHash } });
  return { status, body: { error: reason } };
}

/** A body over the cap: logged and refused, unread. */
export function rejectOversizedWebhook(): Promise<WebhookResponse> {
  return rejectDelivery(413, `body larger than ${MAX_WEBHOOK_BYTES} bytes`, "unread");
}

export async function handleNangoWebhook(rawBody: string, headers: Record<string, string>): Promise<WebhookResponse> {
  const bodyHash = createHash("sha256").update(rawBody).digest("hex");
  const reject = (status: number, reason: string) => rejectDelivery(status, reason, bodyHash);

  if (Buffer.byteLength(rawBody, "utf8") > MAX_WEBHOOK_BYTES) return reject(413, `body larger than ${MAX_WEBHOOK_BYTES} bytes`);
  if (!verifyNangoWebhook(rawBody, headers)) return reject(401, "missing or invalid X-Nango-Hmac-Sha256 signature");

  let json: unknown;
  try {
    json = JSON.parse(rawBody);
  } catch {
    return reject(400, "body is not valid JSON");
  }
  const type = (json as { type?: unknown } | null)?.type;
  const connectionId = (json as { connectionId?: unknown } | null)?.connectionId;

  if (type !== "auth" && type !== "sync") {
    await prisma.webhookDelivery.create({
      data: {
        organizationId: typeof connectionId === "string" ? await organizationOf(prisma, connectionId) : null,
        outcome: "IGNORED",
        reason: `webhook type ${JSON.stringify(type)} is not used by Atlas`,
        type: typeof type === "string" ? type : null,
        connectionId: typeof connectionId === "string" ? connectionId : null,
        bodyHash,
        payload: json as Prisma.InputJsonValue,
      },
    });
    return { status: 200, body: { outcome: "IGNORED" } };
  }

  const parsed = type === "auth" ? authSchema.safeParse(json) : syncSchema.safeParse(json);
  if (!parsed.success) {
    const reason = `invalid ${type} webhook: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(body)"} ${i.message}`).join("; ")}`;
    return reject(400, reason);
  }
  const webhook = parsed.data;

  const result = await prisma.$transaction(
    async (tx) => {
      // One connection's webhooks are applied one at a time (see the header comment).
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`nango:${webhook.connectionId}`}, 0))`;
      const applied =
        (await findDuplicate(tx, webhook, bodyHash)) ??
        (webhook.type === "auth" ? await applyAuth(tx, webhook) : await applySync(tx, webhook));
      await tx.webhookDelivery.create({
        data: {
          organizationId: applied.organizationId ?? (await organizationOf(tx, webhook.connectionId)),
          outcome: applied.outcome,
          reason: applied.reason,
          type: webhook.type,
          connectionId: webhook.connectionId,
          bodyHash,
          payload: webhook as Prisma.InputJsonValue,
        },
      });
      return applied;
    },
    // Many deliveries may queue on one connection's lock; each holds it for milliseconds.
    { maxWait: 15_000, timeout: 30_000 },
  );

  if (result.ingestJobId) {
    // The delivery is applied and logged: a redelivery would be a DUPLICATE and enqueue nothing. So a failed
    // enqueue is not Nango's to retry; the job stays PENDING and the recovery task sends it.
    await enqueueIngestion(result.ingestJobId).catch((err) =>
      console.error(`[webhooks] sync job ${result.ingestJobId} stays PENDING for recovery: enqueue failed:`, err),
    );
  }
  return { status: result.status ?? 200, body: { outcome: result.outcome, ...(result.reason ? { reason: result.reason } : {}) } };
}

/** Whose delivery this is, for the admins' webhook log: the organization of the connection, once it exists. */
async function organizationOf(db: Tx, nangoConnectionId: string): Promise<string | null> {
  const connection = await db.connection.findUnique({ where: { connectionId: nangoConnectionId }, select: { organizationId: true } });
  return connection?.organizationId ?? null;
}

/**
 * A redelivery of a webhook already applied. Sync webhooks carry their run's timestamps, so the same body
 * seen before is always the same event. Auth webhooks carry no timestamp (an expiry after a reconnect looks
 * exactly like the first expiry), so only a repeat of the latest applied webhook of the connection counts as duplicate.
 */
async function findDuplicate(tx: Tx, webhook: AuthWebhook | SyncWebhook, bodyHash: string): Promise<Applied | null> {
  const where = { connectionId: webhook.connectionId, outcome: "APPLIED" as const };
  const previous =
    webhook.type === "sync"
      ? await tx.webhookDelivery.findFirst({ where: { ...where, type: "sync", bodyHash }, select: { id: true } })
      : // Latest applied delivery of any type: after a sync failure put the connection in ERROR, the same
        // "override" body as before is a new reconnect, not a redelivery.
        await tx.webhookDelivery
          .findFirst({ where, orderBy: [{ receivedAt: "desc" }, { id: "desc" }], select: { bodyHash: true, type: true } })
          .then((latest) => (latest?.type === "auth" && latest.bodyHash === bodyHash ? latest : null));
  return previous ? { outcome: "DUPLICATE", reason: "already applied" } : null;
}

// --- auth ------------------------------------------------------------------------------------------

type JsonObject = Record<string, unknown>;
const asObject = (value: unknown): JsonObject => (value && typeof value === "object" && !Array.isArray(value) ? (value as JsonObject) : {});

async function applyAuth(tx: Tx, w: AuthWebhook): Promise<Applied> {
  const provider = providerForIntegration(w.providerConfigKey);
  if (!provider) return { outcome: "IGNORED", reason: `integration ${w.providerConfigKey} is not mapped to an Atlas provider` };
  const existing = await tx.connection.findUnique({ where: { connectionId: w.connectionId } });

  if (!w.success) {
    if (w.operation !== "refresh") return { outcome: "IGNORED", reason: `failed ${w.operation} leaves nothing to record` };
    if (!existing) return { outcome: "IGNORED", reason: "unknown connection" };
    const lastError = {
      message: w.error?.description ?? "Token refresh failed",
      code: w.error?.type ?? "refresh_failed",
      timestamp: new Date().toISOString(),
    };
    await tx.connection.update({
      where: { id: existing.id },
      data: { status: "EXPIRED", metadata: { ...asObject(existing.metadata), lastError } },
    });
    return { outcome: "APPLIED", organizationId: existing.organizationId };
  }

  if (w.operation !== "creation" && w.operation !== "override") return { outcome: "IGNORED", reason: `auth operation ${w.operation} is not used by Atlas` };

  const organizationId = w.tags?.organization_id ?? w.endUser?.organizationId ?? null;
  if (existing) {
    // Re-authorization (or a creation redelivered after other events): never moves the connection to
    // another owner or organization; whoever re-authorized, it stays the owner's connection.
    if (organizationId && organizationId !== existing.organizationId) {
      return { outcome: "REJECTED", reason: "organization_id does not match the connection's organization", status: 403 };
    }
    await tx.connection.update({
      where: { id: existing.id },
      data: { status: "ACTIVE", metadata: authMetadata(existing.metadata, w) },
    });
    return { outcome: "APPLIED", organizationId: existing.organizationId };
  }

  const userId = w.endUser?.endUserId ?? w.tags?.end_user_id;
  if (!userId) return { outcome: "IGNORED", reason: "no end user: the connection was not created through an Atlas connect session" };
  const user = await tx.user.findUnique({ where: { id: userId }, select: { id: true, organizationId: true } });
  if (!user) return { outcome: "IGNORED", reason: "unknown end user" };
  if (!organizationId) return { outcome: "IGNORED", reason: "no organization_id tag" };
  if (organizationId !== user.organizationId) {
    return { outcome: "REJECTED", reason: "organization_id does not match the end user's organization", status: 403 };
  }
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
  const { lastError: _cleared, ...kept } = asObject(previous);
  return {
    ...kept,
    integrationId: w.providerConfigKey,
    authMode: w.authMode ?? null,
    projectId: w.tags?.project_id ?? (kept.projectId as string | undefined) ?? "default",
    // The provider account's own name needs a getConnection call; until then, who connected it.
    accountName: (kept.accountName as string | undefined) ?? w.tags?.end_user_display_name ?? w.endUser?.endUserEmail ?? w.tags?.end_user_email ?? null,
    ...(w.operation === "override" ? { reauthorizedAt: new Date().toISOString() } : {}),
  } as Prisma.InputJsonValue;
}

// --- sync ------------------------------------------------------------------------------------------

/**
 * The SyncJob.syncId of a sync run: the same webhook (or a redelivery) always yields the same id, so the
 * same row. Keeps the seed's `sync_{timestamp}` shape, with a hash of what identifies the run.
 */
export function syncIdFor(w: { connectionId: string; syncName: string; syncVariant?: string; model: string }, runTimestamp: string): string {
  const identity = [w.connectionId, w.syncName, w.syncVariant ?? "base", w.model, runTimestamp].join("\n");
  return `sync_${Date.parse(runTimestamp)}_${createHash("sha256").update(identity).digest("hex").slice(0, 16)}`;
}

async function applySync(tx: Tx, w: SyncWebhook): Promise<Applied> {
  const connection = await tx.connection.findUnique({ where: { connectionId: w.connectionId } });
  if (!connection) return { outcome: "IGNORED", reason: "unknown connection" };
  // The integration the connection was made with counts, even after NANGO_INTEGRATION_* changed since.
  const recordedIntegration = asObject(connection.metadata).integrationId;
  if (recordedIntegration !== w.providerConfigKey && providerForIntegration(w.providerConfigKey) !== connection.provider) {
    return { outcome: "IGNORED", reason: `integration ${w.providerConfigKey} does not match the connection's provider` };
  }
  const metadata = asObject(connection.metadata);
  const lastErrorAt = Date.parse(String(asObject(metadata.lastError).timestamp ?? "")) || 0;

  if (w.success) {
    const runAt = new Date(w.modifiedAfter ?? w.queryTimeStamp);
    const job = await tx.syncJob.upsert({
      where: { syncId: syncIdFor(w, w.modifiedAfter) },
      create: {
        syncId: syncIdFor(w, w.modifiedAfter),
        connectionId: connection.id,
        status: "PENDING",
        // Nango's count; recordsProcessed counts records written to the graph by the ingestion worker.
        recordsReported: w.responseResults.added + w.responseResults.updated + w.responseResults.deleted,
        recordsProcessed: 0,
        model: w.model,
        modifiedAfter: new Date(w.modifiedAfter),
        startedAt: runAt,
      },
      update: {}, // a redelivery changes nothing; the ingestion worker owns the status from here on
      select: { id: true },
    });
    // lastSyncAt only moves forward: an older run delivered late must not move it back.
    await tx.connection.updateMany({
      where: { id: connection.id, OR: [{ lastSyncAt: null }, { lastSyncAt: { lt: runAt } }] },
      data: { lastSyncAt: runAt },
    });
    // A run newer than the last sync error heals the connection (not an expired or disabled one).
    if (connection.status === "ERROR" && runAt.getTime() > lastErrorAt) {
      const { lastError: _healed, ...rest } = metadata;
      await tx.connection.update({ where: { id: connection.id }, data: { status: "ACTIVE", metadata: rest as Prisma.InputJsonValue } });
    }
    return { outcome: "APPLIED", ingestJobId: job.id, organizationId: connection.organizationId };
  }

  const error = { message: w.error.description, code: w.error.type, timestamp: new Date(w.failedAt).toISOString() };
  await tx.syncJob.upsert({
    where: { syncId: syncIdFor(w, w.startedAt) },
    create: {
      syncId: syncIdFor(w, w.startedAt),
      connectionId: connection.id,
      status: "FAILED",
      model: w.model,
      errors: [error],
      startedAt: new Date(w.startedAt),
      completedAt: new Date(w.failedAt),
    },
    update: {},
  });
  // A failure older than the latest successful run is history, not the connection's current state;
  // an EXPIRED or INACTIVE connection keeps that more important status.
  const failedAt = Date.parse(w.failedAt);
  const isCurrent = !connection.lastSyncAt || failedAt > connection.lastSyncAt.getTime();
  if (isCurrent && (connection.status === "ACTIVE" || connection.status === "ERROR") && failedAt >= lastErrorAt) {
    await tx.connection.update({ where: { id: connection.id }, data: { status: "ERROR", metadata: { ...metadata, lastError: error } } });
  }
  return { outcome: "APPLIED", organizationId: connection.organizationId };
}
