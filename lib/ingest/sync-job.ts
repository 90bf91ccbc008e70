/**
 * One ingestion run of a SyncJob: Nango's records of the run → episodes in the connection's project graph.
 * Called by the queue worker (lib/queue) with the SyncJob id; knows nothing about pg-boss.
 *
 *   PENDING ──claim──▶ IN_PROGRESS ──all records in the graph──▶ COMPLETED
 *                         │  ▲
 *          attempt failed │  │ retry (pg-boss, with backoff), resumed from SyncJob.cursor
 *                         ▼  │
 *                    (IN_PROGRESS) ──last attempt failed, or Nango refused──▶ FAILED ──retrySyncJob──▶ PENDING
 *
 * - Exactly once: ingestRecords skips record versions the ledger (GraphWrite) holds, and `cursor` (saved
 *   with recordsProcessed, together, after a page's ledger rows are complete) lets a retry skip re-reading.
 * - A record Zep refuses is FAILED in the ledger and the job still completes, with "N records failed".
 * - One writer per graph across processes: a PostgreSQL advisory lock (graph-lock.ts) held for the run. A job
 *   whose graph is busy is not started ("BUSY"); the queue offers it again a few seconds later.
 * - Bounded runs: after `timeBudgetMs` (or when the worker is shutting down) the run stops at a record
 *   boundary, saves its cursor and reports "YIELDED"; the queue sends a continuation. A long backfill is
 *   thus a chain of short runs, never a job pg-boss would expire while it is healthy.
 * - Every failed Zep/Nango attempt (RATE_LIMIT with retryAfter, ZEP_UNAVAILABLE, ...) is appended to
 *   SyncJob.errors in the seed's shape {message, code, timestamp, retryAfter?}, also when the job completes.
 */
import "server-only";
import { ConflictError, NotFoundError } from "@/lib/errors";
import { recordAudit } from "@/lib/audit/record";
import type { Nango } from "@nangohq/node";
import { Prisma, prisma } from "@/lib/db/client";
import { syncJobsVisibleTo, type Scope } from "@/lib/data/scope";
import { nangoClient } from "@/lib/nango/client";
import { enqueueIngestion, hasIngestionQueue } from "@/lib/nango/ingestion";
import { integrationOf, providerConfig } from "@/lib/nango/providers";
import { ensureProject, projectKeyOf } from "@/lib/projects";
import { graphIdFor, ZepCallError, type ZepCallOptions } from "@/lib/zep";
import type { ProviderName } from "./episodes";
import { tryLockGraph } from "./graph-lock";
import { IngestError, ingestRecords } from "./ingest";
import { failedCountOf } from "./ledger";
import { NangoPermanentError, NangoUnavailableError, nangoRecords, type RecordStreamOptions } from "./nango-records";
import type { TimedErrorEntry } from "@/lib/data/error-entry";

/** What a queue attempt tells a run (a sync job's, a knowledge rebuild's): one shape for both. */
export type QueueRunOptions = {
  /** A continuation of a run that yielded: not a new attempt. */
  continuation?: boolean;
  /** No retry follows this attempt: a failure marks the run FAILED. */
  isLastAttempt?: boolean;
  /** Stop at the next record (page, for a rebuild) boundary after this long (then YIELDED). Default: no budget. */
  timeBudgetMs?: number;
  /** Polled between records; true stops the run like an exhausted budget (worker shutting down). */
  shouldStop?: () => boolean;
  /** Zep client / retry policy (tests); default: the process-wide client from the environment. */
  zep?: ZepCallOptions;
  /** Nango client; default nangoClient(). */
  nango?: Nango;
  /** listRecords retry knobs (tests). */
  nangoRetry?: Pick<RecordStreamOptions, "maxAttempts" | "baseDelayMs" | "maxRetryAfterMs" | "sleep">;
  pageSize?: number;
  /** Database for the graph lock (default DATABASE_URL). */
  connectionString?: string;
};

export type RunSyncJobOptions = QueueRunOptions & {
  /** Progress is written every `records` records or `ms` milliseconds, whichever comes first. */
  progressEvery?: { records: number; ms: number };
};

export type RunSyncJobResult =
  | { outcome: "COMPLETED"; recordsProcessed: number; episodesWritten: number; episodesSkipped: number }
  | { outcome: "FAILED"; recordsProcessed: number; error: string }
  | { outcome: "YIELDED"; recordsProcessed: number }
  | { outcome: "BUSY"; graphId: string }
  | { outcome: "SKIPPED"; reason: string };

/** The attempt failed and will be retried; the error entries are already on the SyncJob. */
export class SyncJobAttemptError extends Error {
  name = "SyncJobAttemptError";
  constructor(
    message: string,
    readonly syncJobId: string,
  ) {
    super(message);
  }
}

/** What a SyncJob reads from and writes to: resolved from the job's connection. */
export async function ingestionTargetOf(syncJobId: string) {
  const job = await prisma.syncJob.findUnique({
    where: { id: syncJobId },
    select: {
      id: true,
      status: true,
      model: true,
      modifiedAfter: true,
      cursor: true,
      recordsProcessed: true,
      connection: { select: { id: true, connectionId: true, provider: true, organizationId: true, metadata: true } },
    },
  });
  if (!job) return null;
  const c = job.connection;
  const projectId = projectKeyOf(c);
  const config = providerConfig(c.provider);
  return {
    job,
    organizationId: c.organizationId,
    projectId,
    graphId: graphIdFor(c.organizationId, projectId),
    provider: c.provider,
    nangoConnectionId: c.connectionId,
    providerConfigKey: integrationOf(c),
    model: job.model ?? config.models[0]!,
  };
}

export async function runSyncJob(syncJobId: string, opts: RunSyncJobOptions = {}): Promise<RunSyncJobResult> {
  const target = await ingestionTargetOf(syncJobId);
  if (!target) return { outcome: "SKIPPED", reason: "the sync job no longer exists" };
  if (target.job.status === "COMPLETED" || target.job.status === "FAILED") {
    return { outcome: "SKIPPED", reason: `the sync job is already ${target.job.status}` };
  }

  const lock = await tryLockGraph(target.graphId, opts.connectionString);
  if (!lock) return { outcome: "BUSY", graphId: target.graphId };
  try {
    // A lost lock stops the run at the next record like a shutdown: it yields, and continues once it holds the lock again.
    return await runLocked(syncJobId, target.graphId, { ...opts, shouldStop: () => lock.lost() || (opts.shouldStop?.() ?? false) });
  } finally {
    await lock.release();
  }
}

async function runLocked(syncJobId: string, graphId: string, opts: RunSyncJobOptions): Promise<RunSyncJobResult> {
  // Re-read under the lock: another worker may have finished this job while we waited for nothing.
  const target = await ingestionTargetOf(syncJobId);
  if (!target || target.graphId !== graphId) return { outcome: "SKIPPED", reason: "the sync job changed while it was queued" };
  const { job } = target;
  if (job.status !== "PENDING" && job.status !== "IN_PROGRESS") return { outcome: "SKIPPED", reason: `the sync job is already ${job.status}` };

  // A run without a cursor starts from the beginning of the sync's records, so its count does too.
  const base = job.cursor ? job.recordsProcessed : 0;
  const claimed = await prisma.syncJob.updateMany({
    where: { id: syncJobId, status: { in: ["PENDING", "IN_PROGRESS"] } },
    data: {
      status: "IN_PROGRESS",
      recordsProcessed: base,
      completedAt: null,
      ...(opts.continuation ? {} : { attempts: { increment: 1 } }),
    },
  });
  if (claimed.count === 0) return { outcome: "SKIPPED", reason: "the sync job was finished by another run" };

  const pending: TimedErrorEntry[] = [];
  let cursor = job.cursor;
  let handled = 0;
  let flushedHandled = 0;
  let lastFlush = Date.now();
  const every = opts.progressEvery ?? { records: 50, ms: 1_000 };
  let cancelled = false;
  const flush = async () => {
    const errors = pending.splice(0);
    // Nothing saved: the job is no longer running (an admin cancelled it); stop at the next record boundary.
    if ((await saveProgress(syncJobId, { recordsProcessed: base + handled, cursor, errors })) === 0) cancelled = stopped = true;
    flushedHandled = handled;
    lastFlush = Date.now();
  };

  const deadline = opts.timeBudgetMs === undefined ? Infinity : Date.now() + opts.timeBudgetMs;
  let stopped = false;
  const shouldStop = () => {
    if (!stopped && (Date.now() >= deadline || opts.shouldStop?.())) stopped = true;
    return stopped;
  };

  try {
    // Inside the try: a failure here is recorded on the job like any other.
    await ensureProject(target.organizationId, target.projectId);
    const records = nangoRecords(
      opts.nango ?? nangoClient(),
      {
        providerConfigKey: target.providerConfigKey,
        connectionId: target.nangoConnectionId,
        model: target.model,
        cursor: job.cursor,
        modifiedAfter: job.modifiedAfter?.toISOString() ?? null,
        pageSize: opts.pageSize,
      },
      { ...opts.nangoRetry, shouldStop, onError: (e) => pending.push(e) },
    );
    const result = await ingestRecords({
      records,
      graphId,
      source: { provider: target.provider.toLowerCase() as ProviderName, connectionId: target.nangoConnectionId, model: target.model },
      owner: { organizationId: target.organizationId, projectKey: target.projectId },
      syncJobId,
      pageSize: opts.pageSize,
      zep: { ...opts.zep, onError: (e) => void pending.push(e) },
      shouldStop,
      // Called once a page's ledger rows are complete: records refused by Zep are not "processed".
      onCheckpoint: async (recordCursor, counts) => {
        cursor = recordCursor;
        handled = counts.records - counts.failed;
        if (handled - flushedHandled >= every.records || Date.now() - lastFlush >= every.ms) await flush();
      },
    });
    handled = result.records - result.recordsFailed;

    if (cancelled) return { outcome: "SKIPPED", reason: "the sync job was cancelled" };
    if (stopped) {
      await flush();
      return { outcome: "YIELDED", recordsProcessed: base + handled };
    }
    // Across every run of this job (continuations included): the ledger knows which records Zep refused.
    const failed = await failedCountOf(syncJobId);
    if (failed > 0)
      pending.push({ message: `${failed} record${failed === 1 ? "" : "s"} failed and were left out of the graph (see Failed records)`, code: "RECORDS_FAILED", timestamp: new Date().toISOString() });
    const errors = pending.splice(0);
    await saveProgress(syncJobId, { recordsProcessed: base + handled, cursor, errors, status: "COMPLETED" });
    return { outcome: "COMPLETED", recordsProcessed: base + handled, episodesWritten: result.episodesWritten, episodesSkipped: result.episodesSkipped };
  } catch (err) {
    // Zep and Nango failures were recorded attempt by attempt (onError); anything else gets one entry here.
    const recorded = err instanceof IngestError || err instanceof ZepCallError || err instanceof NangoPermanentError || err instanceof NangoUnavailableError;
    const message = err instanceof Error ? err.message : String(err);
    if (!recorded) pending.push({ message: `Ingestion failed: ${message}`, code: "INGESTION_ERROR", timestamp: new Date().toISOString() });
    const final = opts.isLastAttempt || err instanceof NangoPermanentError;
    const errors = pending.splice(0);
    await saveProgress(syncJobId, { recordsProcessed: base + handled, cursor, errors, ...(final ? { status: "FAILED" as const } : {}) });
    if (final) return { outcome: "FAILED", recordsProcessed: base + handled, error: message };
    throw new SyncJobAttemptError(message, syncJobId);
  }
}

/** recordsProcessed and cursor together (they always describe the same point), plus new error entries. */
async function saveProgress(
  id: string,
  p: { recordsProcessed: number; cursor: string | null; errors: TimedErrorEntry[]; status?: "COMPLETED" | "FAILED" },
) {
  const finish = p.status ? Prisma.sql`, status = ${p.status}::"SyncStatus", "completedAt" = now()` : Prisma.empty;
  // Only while running: a cancelled (FAILED) job keeps its end; the count of rows tells the run it was cancelled.
  return prisma.$executeRaw`
    UPDATE "SyncJob" SET
      "recordsProcessed" = ${p.recordsProcessed}, "cursor" = ${p.cursor},
      "errors" = ${appendErrors(JSON.stringify(p.errors))} ${finish}
    WHERE id = ${id} AND status IN ('PENDING', 'IN_PROGRESS')`;
}

/** A job still PENDING/IN_PROGRESS ends FAILED with these entries appended (recovery: its worker was lost; a cancel). */
export async function failRunningSyncJob(id: string, entries: TimedErrorEntry[], db: Pick<typeof prisma, "$executeRaw"> = prisma): Promise<number> {
  return db.$executeRaw`
    UPDATE "SyncJob" SET status = 'FAILED', "completedAt" = now(), "errors" = ${appendErrors(JSON.stringify(entries))}
    WHERE id = ${id} AND status IN ('PENDING', 'IN_PROGRESS')`;
}

/** SQL for "errors, with these entries appended" (an empty batch leaves the column, null included, as is). */
function appendErrors(json: string): Prisma.Sql {
  if (json === "[]") return Prisma.sql`"errors"`;
  // The seed's shape is an array; anything else already there is kept as the first entry.
  return Prisma.sql`(CASE jsonb_typeof("errors") WHEN 'array' THEN "errors" WHEN 'object' THEN jsonb_build_array("errors") ELSE '[]'::jsonb END) || ${json}::jsonb`;
}


// ---- manual retry -----------------------------------------------------------------------------------

/** Ingestion can resume a job only from where its records start: a saved cursor or the webhook's modifiedAfter. */
export const isResumable = (job: { cursor: string | null; modifiedAfter: Date | null }) => job.cursor !== null || job.modifiedAfter !== null;


/**
 * Re-runs a FAILED job the scope can see: back to PENDING (cursor, errors and attempts kept) and onto the
 * queue. The worker resumes from the saved cursor; episodes already in the graph are not written again.
 */
export async function retrySyncJob(scope: Scope, syncJobId: string): Promise<{ id: string; status: "PENDING" }> {
  const job = await prisma.syncJob.findFirst({
    where: { id: syncJobId, ...syncJobsVisibleTo(scope) },
    select: { id: true, syncId: true, status: true, cursor: true, modifiedAfter: true, attempts: true, connection: { select: { organizationId: true } } },
  });
  if (!job) throw new NotFoundError("This sync job no longer exists, or it is not yours.");
  if (job.status !== "FAILED") throw new ConflictError(`Only failed sync jobs can be retried; this one is ${job.status}.`);
  // A sync that failed in Nango never had records for Atlas: re-reading "everything" is not a retry of it.
  if (!isResumable(job)) throw new ConflictError("This sync failed in Nango before any records reached Atlas; use Sync now to run it again.");
  // Without a queue, enqueueIngestion would just mark the job COMPLETED: say so instead of pretending.
  if (!hasIngestionQueue()) throw new ConflictError("No ingestion worker is configured, so the job cannot be retried.");
  // A fresh set of attempts (errors are kept), so recovery does not take the retry for an exhausted job.
  const { count } = await prisma.$transaction(async (tx) => {
    const retried = await tx.syncJob.updateMany({ where: { id: job.id, status: "FAILED" }, data: { status: "PENDING", completedAt: null, attempts: 0 } });
    if (retried.count) await recordAudit(tx, { organizationId: job.connection.organizationId, action: "sync.retried", target: { type: "syncJob", id: job.id, label: job.syncId }, before: { status: "FAILED" }, after: { status: "PENDING" } });
    return retried;
  });
  if (count === 0) throw new ConflictError("The sync job changed meanwhile; reload and try again.");
  try {
    await enqueueIngestion(job.id);
  } catch (err) {
    // Nothing was queued: put the job back as it was, so the page tells the truth and a retry can follow.
    await prisma.syncJob.updateMany({ where: { id: job.id, status: "PENDING" }, data: { status: "FAILED", completedAt: new Date(), attempts: job.attempts } });
    throw new ConflictError(`The job could not be queued (${err instanceof Error ? err.message : String(err)}); try again.`);
  }
  return { id: job.id, status: "PENDING" };
}

