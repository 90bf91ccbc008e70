// The inbox worker: applies stored deliveries (outcome RECEIVED) and records each outcome.
//
// Why a SQL-claimed inbox rather than a pg-boss queue: the delivery row is the job, so the route stores a
// webhook in one INSERT (a pg-boss job would be a second write, and a second place to lose it between the
// two), and ordering per connection is one NOT EXISTS over the same table.
//
// Exactly once: a worker claims deliveries with FOR UPDATE SKIP LOCKED and, in that same transaction,
// applies them (Connection, SyncJob) and sets their outcomes. A crash rolls all of it back and the delivery is
// claimed again. In order per connection: a delivery is only claimable when no earlier delivery of the same
// connection is still RECEIVED (including one being applied right now, or waiting for its retry).
// Retried until it succeeds: an attempt that fails (database trouble) is retried with backoff, up to a minute.
import "server-only";
import { prisma, Prisma } from "@/lib/db/client";
import { errorFields, log } from "@/lib/log";
import { enqueueIngestion } from "../ingestion";
import { applyDelivery, type StoredDelivery } from "./dispatch";
import { webhookSettings } from "./settings";
import { inboxHolder, type InboxWorker } from "./wake";

const MAX_BACKOFF_MS = 60_000;

type Filter = { ids?: string[] };

/** Deliveries claimed and applied in one transaction (each of another connection): fewer round trips. */
const BATCH = 16;

/**
 * Claims up to `limit` ready deliveries (the first waiting one of as many connections), applies them and
 * commits; returns how many were taken (0: none ready). If one fails, the transaction takes the others
 * with it, so each is then tried alone: only the failing one waits for its retry.
 */
export async function applyNextDeliveries(filter: Filter = {}, limit = BATCH): Promise<number> {
  let claimed: StoredDelivery[] = [];
  const ingest: string[] = [];
  try {
    await prisma.$transaction(
      async (tx) => {
        const only = filter.ids ? Prisma.sql`AND d.id = ANY(${filter.ids})` : Prisma.empty;
        claimed = await tx.$queryRaw<StoredDelivery[]>`
          SELECT d.id, d."rawBody", d."connectionId", d."bodyHash", d.seq FROM "WebhookDelivery" d
          WHERE d.outcome = 'RECEIVED' AND (d."retryAt" IS NULL OR d."retryAt" <= now()) ${only}
            AND NOT EXISTS (
              SELECT 1 FROM "WebhookDelivery" e
              WHERE e."connectionId" = d."connectionId" AND e.outcome = 'RECEIVED' AND e.seq < d.seq)
          ORDER BY d.seq
          LIMIT ${limit}
          FOR UPDATE OF d SKIP LOCKED`;
        for (const row of claimed) {
          const r = await applyDelivery(tx, row);
          if (r.ingestJobId) ingest.push(r.ingestJobId);
          // Raw SQL: once per delivery (see sync.ts). The payload is safeJson's copy, which jsonb accepts.
          await tx.$executeRaw`
            UPDATE "WebhookDelivery"
            SET outcome = ${r.outcome}::"WebhookOutcome", reason = ${r.reason ?? null}, type = ${r.type},
                "organizationId" = COALESCE(${r.organizationId ?? null}, "organizationId"),
                payload = ${r.payload === null ? null : JSON.stringify(r.payload)}::jsonb,
                "appliedAt" = now(), attempts = attempts + 1, "retryAt" = NULL
            WHERE id = ${row.id}`;
        }
      },
      { maxWait: 15_000, timeout: 30_000 },
    );
  } catch (err) {
    if (claimed.length === 0) throw err;
    if (claimed.length === 1) {
      await recordFailedAttempt(claimed[0]!.id, err);
      return 1;
    }
    let taken = 0;
    for (const row of claimed) taken += await applyNextDeliveries({ ids: [row.id] }, 1).catch(() => 0);
    return Math.max(taken, 1);
  }
  // The delivery is applied and logged: applying it again would be a DUPLICATE and enqueue nothing. So a
  // failed enqueue leaves the job PENDING for the recovery task, which sends it. Side by side: one after the
  // other, a batch's sends were 16 round trips in a row.
  await Promise.all(
    ingest.map((jobId) => enqueueIngestion(jobId).catch((err) => log.error({ ...errorFields(err), syncJobId: jobId }, "enqueue failed: the sync job stays PENDING for recovery"))),
  );
  return claimed.length;
}

async function recordFailedAttempt(id: string, err: unknown): Promise<void> {
  const message = (err instanceof Error ? err.message : String(err)).slice(0, 2000);
  log.warn({ ...errorFields(err), deliveryId: id }, "applying a webhook delivery failed; it will be retried");
  await prisma.$executeRaw`
    UPDATE "WebhookDelivery"
    SET attempts = attempts + 1, "lastError" = ${message},
        "retryAt" = now() + least(${MAX_BACKOFF_MS}::int, 500 * power(2, least(attempts, 10))::int) * interval '1 millisecond'
    WHERE id = ${id} AND outcome = 'RECEIVED'`.catch((e) => log.error({ ...errorFields(e), deliveryId: id }, "could not record a failed attempt"));
}

/**
 * Applies every delivery ready now (the inbox worker's loop body; tests call it after posting webhooks).
 * `ids` limits it to those deliveries (test files share one database). Returns how many were taken.
 */
export async function applyPendingDeliveries(filter: Filter = {}): Promise<number> {
  let total = 0;
  for (let n; (n = await applyNextDeliveries(filter)) > 0; ) total += n;
  return total;
}

// ---- the in-process worker ----------------------------------------------------------------------------

type Worker = InboxWorker & { stopping: boolean; loops: Promise<void>[] };
const holder = inboxHolder as { atlasWebhookInbox?: Worker };

/** Starts `concurrency` loops applying deliveries (one process; several processes may run them too). */
export function startInboxWorker(opts: { concurrency?: number; pollMs?: number } = {}): { stop(): Promise<void> } {
  const settings = webhookSettings();
  const concurrency = opts.concurrency ?? settings.applyConcurrency;
  const pollMs = opts.pollMs ?? settings.pollMs;
  if (holder.atlasWebhookInbox && !holder.atlasWebhookInbox.stopping) {
    const w = holder.atlasWebhookInbox;
    return { stop: () => stopWorker(w) };
  }
  let sleepers: Array<() => void> = [];
  const w: Worker = {
    stopping: false,
    wake: () => {
      const s = sleepers;
      sleepers = [];
      for (const f of s) f();
    },
    loops: [],
  };
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        sleepers = sleepers.filter((f) => f !== done);
        resolve();
      }, ms);
      const done = () => {
        clearTimeout(t);
        resolve();
      };
      sleepers.push(done);
    });
  const loop = async () => {
    let failures = 0;
    while (!w.stopping) {
      try {
        if ((await applyNextDeliveries()) > 0) {
          failures = 0;
          continue;
        }
        await sleep(pollMs);
      } catch (err) {
        // The database is unreachable: wait (longer each time) and try again.
        failures++;
        if (failures === 1 || failures % 20 === 0) log.error({ ...errorFields(err), failures }, "the webhook inbox worker cannot reach the database");
        await sleep(Math.min(MAX_BACKOFF_MS, pollMs * 2 ** Math.min(failures, 7)));
      }
    }
  };
  for (let i = 0; i < concurrency; i++) w.loops.push(loop());
  holder.atlasWebhookInbox = w;
  return { stop: () => stopWorker(w) };
}

async function stopWorker(w: Worker): Promise<void> {
  w.stopping = true;
  w.wake();
  await Promise.all(w.loops);
  if (holder.atlasWebhookInbox === w) holder.atlasWebhookInbox = undefined;
}
