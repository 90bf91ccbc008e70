/**
 * Rebuilding knowledge: an admin re-ingests a connection (or every connection of a project) from Nango,
 * ALL of its records, not just the last sync's, through the same path as a sync (ingestRecords and the
 * ledger). So a version the ledger already holds is skipped, a missing or changed one is written, a DELETED
 * one has its episodes removed, and a record Zep refuses is recorded FAILED without stopping the run.
 *
 * One KnowledgeRebuild row per connection is the truth the page, the worker and a cancel share:
 *   PENDING ──worker──▶ RUNNING ──every model read to the end──▶ COMPLETED
 *                          │  ├── cancel (an admin) ──▶ CANCELLED: the run stops before its next page
 *                          │  └── Nango refused, or the last attempt failed ──▶ FAILED
 *                          └── time budget spent / worker stopping: saves its place (model, cursor) and
 *                              continues as a new queue job, like a long sync (sync-job.ts)
 * - One active rebuild per connection: activeKey (unique) holds the connection id while PENDING or
 *   RUNNING. Asking again while one is active joins it (and re-sends its queue job if that was lost).
 * - Under the graph's lock (graph-lock.ts), like a sync job: a busy graph makes the job wait its turn.
 * - The ledger is consistent at every stop: a page's rows are complete before the next page is read, and
 *   the status is read before each page, so a cancel stops at a page boundary.
 * Records the ledger holds that Nango no longer lists at all (pruned by Nango) are not touched.
 */
import "server-only";
import { ATLAS_ACTOR, recordAudit } from "@/lib/audit/record";
import { Prisma, prisma } from "@/lib/db/client";
import type { Scope } from "@/lib/data/scope";
import { ConflictError, ForbiddenError, NotFoundError } from "@/lib/errors";
import { log } from "@/lib/log";
import { nangoClient } from "@/lib/nango/client";
import { integrationOf, providerConfig } from "@/lib/nango/providers";
import { ensureProject, projectKeyOf } from "@/lib/projects";
import { graphIdFor } from "@/lib/zep";
import type { NangoRecord, ProviderName } from "./episodes";
import { tryLockGraph } from "./graph-lock";
import { ingestRecords, type PageCounts } from "./ingest";
import { NangoPermanentError, nangoRecordPages } from "./nango-records";
import type { QueueRunOptions } from "./sync-job";

export const ACTIVE_REBUILD = ["PENDING", "RUNNING"] as const;

export type RebuildView = {
  id: string;
  connectionId: string;
  projectKey: string;
  status: "PENDING" | "RUNNING" | "COMPLETED" | "FAILED" | "CANCELLED";
  requestedBy: string | null;
  pages: number;
  records: number;
  written: number;
  skipped: number;
  deleted: number;
  failed: number;
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
};

const VIEW = {
  id: true, connectionId: true, projectKey: true, status: true, requestedBy: true, pages: true, records: true,
  written: true, skipped: true, deleted: true, failed: true, error: true, createdAt: true, finishedAt: true,
} as const;

type ViewRow = Prisma.KnowledgeRebuildGetPayload<{ select: typeof VIEW }>;
const toView = (r: ViewRow): RebuildView => ({ ...r, createdAt: r.createdAt.toISOString(), finishedAt: r.finishedAt?.toISOString() ?? null });

function requireAdmin(scope: Scope) {
  if (scope.role !== "ADMIN") throw new ForbiddenError("Only admins rebuild knowledge.");
}

// ---- dispatch ---------------------------------------------------------------------------------------

type Sender = (rebuildId: string) => Promise<void>;
const holder = globalThis as unknown as { atlasRebuildSender?: Sender | null };
/** The queue registers itself here (lib/queue/knowledge-rebuild.ts); null when it stops. */
export function setRebuildSender(next: Sender | null) {
  holder.atlasRebuildSender = next;
}

/** Puts the rebuild on the queue (which re-sends nothing already queued); without a queue, runs it here. */
async function dispatch(rebuildId: string): Promise<void> {
  const send = holder.atlasRebuildSender;
  if (send) return send(rebuildId);
  void runRebuild(rebuildId).catch((err: unknown) => log.error({ err, rebuildId }, "knowledge rebuild failed"));
}

// ---- starting, joining, cancelling ------------------------------------------------------------------

export type StartedRebuild = { rebuild: RebuildView; joined: boolean };

/** Creates the connection's rebuild, or joins the one queued or running. Admins only. */
async function startFor(scope: Scope & { label?: string }, connection: { id: string; connectionId: string; metadata: unknown }): Promise<StartedRebuild> {
  const existing = await prisma.knowledgeRebuild.findUnique({ where: { activeKey: connection.id }, select: VIEW });
  if (existing) {
    await dispatch(existing.id);
    return { rebuild: toView(existing), joined: true };
  }
  const projectKey = projectKeyOf(connection);
  try {
    const created = await prisma.$transaction(async (tx) => {
      const row = await tx.knowledgeRebuild.create({
        data: { organizationId: scope.organizationId, connectionId: connection.id, projectKey, activeKey: connection.id, requestedBy: scope.label ?? null },
        select: VIEW,
      });
      await recordAudit(tx, {
        organizationId: scope.organizationId,
        action: "knowledge.rebuild_started",
        target: { type: "connection", id: connection.id, label: connection.connectionId },
        after: { rebuildId: row.id, projectKey },
      });
      return row;
    });
    await dispatch(created.id);
    return { rebuild: toView(created), joined: false };
  } catch (err) {
    // Two admins at once: the unique activeKey let one in; the other joins it.
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") {
      const winner = await prisma.knowledgeRebuild.findUnique({ where: { activeKey: connection.id }, select: VIEW });
      if (winner) return { rebuild: toView(winner), joined: true };
    }
    throw err;
  }
}

/** Rebuild one connection's knowledge (Atlas connection id). */
export async function startRebuild(scope: Scope & { label?: string }, connectionRowId: string): Promise<StartedRebuild> {
  requireAdmin(scope);
  const connection = await prisma.connection.findFirst({
    where: { id: connectionRowId, organizationId: scope.organizationId },
    select: { id: true, connectionId: true, metadata: true },
  });
  if (!connection) throw new NotFoundError("This connection no longer exists.");
  return startFor(scope, connection);
}

/** Rebuild every connection that feeds the project: one rebuild each (they take the graph in turn). */
export async function startProjectRebuild(scope: Scope & { label?: string }, projectKey: string): Promise<{ started: number; joined: number }> {
  requireAdmin(scope);
  const project = await prisma.project.findUnique({ where: { organizationId_key: { organizationId: scope.organizationId, key: projectKey } }, select: { id: true } });
  if (!project) throw new NotFoundError("This project no longer exists.");
  const connections = (
    await prisma.connection.findMany({ where: { organizationId: scope.organizationId }, select: { id: true, connectionId: true, metadata: true }, orderBy: { createdAt: "asc" } })
  ).filter((c) => projectKeyOf(c) === projectKey);
  if (connections.length === 0) throw new ConflictError("No connection feeds this project, so there is nothing to rebuild.");
  let started = 0;
  let joined = 0;
  for (const c of connections) {
    if ((await startFor(scope, c)).joined) joined++;
    else started++;
  }
  return { started, joined };
}

/** Stops a queued or running rebuild: the worker notices before its next page. Admins only. */
export async function cancelRebuild(scope: Scope, rebuildId: string): Promise<RebuildView> {
  requireAdmin(scope);
  return prisma.$transaction(async (tx) => {
    const row = await tx.knowledgeRebuild.findFirst({ where: { id: rebuildId, organizationId: scope.organizationId }, select: { ...VIEW, connection: { select: { connectionId: true } } } });
    if (!row) throw new NotFoundError("This rebuild no longer exists.");
    const { count } = await tx.knowledgeRebuild.updateMany({
      where: { id: rebuildId, status: { in: [...ACTIVE_REBUILD] } },
      data: { status: "CANCELLED", activeKey: null, finishedAt: new Date(), progressAt: new Date() },
    });
    if (count === 0) throw new ConflictError(`This rebuild is already ${row.status.toLowerCase()}.`);
    await recordAudit(tx, {
      organizationId: scope.organizationId,
      action: "knowledge.rebuild_cancelled",
      target: { type: "connection", id: row.connectionId, label: row.connection.connectionId },
      before: { rebuildId, status: row.status, records: row.records },
      after: { status: "CANCELLED" },
    });
    return toView({ ...row, status: "CANCELLED" });
  });
}

// ---- reading ----------------------------------------------------------------------------------------

/** The connection's latest rebuild (running or finished), for its page; admins only. */
export async function latestRebuild(scope: Scope, connectionRowId: string): Promise<RebuildView | null> {
  requireAdmin(scope);
  const row = await prisma.knowledgeRebuild.findFirst({
    where: { connectionId: connectionRowId, organizationId: scope.organizationId },
    orderBy: { createdAt: "desc" },
    select: VIEW,
  });
  return row ? toView(row) : null;
}

export type ProjectRebuildSummary = { connections: number; records: number; written: number; skipped: number; deleted: number; failed: number };

/** Active rebuilds per project key (the Knowledge page's projects list); admins only. */
export async function activeRebuildsByProject(scope: Scope): Promise<Record<string, ProjectRebuildSummary>> {
  requireAdmin(scope);
  const rows = await prisma.knowledgeRebuild.groupBy({
    by: ["projectKey"],
    where: { organizationId: scope.organizationId, status: { in: [...ACTIVE_REBUILD] } },
    _count: true,
    _sum: { records: true, written: true, skipped: true, deleted: true, failed: true },
  });
  return Object.fromEntries(
    rows.map((r) => [
      r.projectKey,
      { connections: r._count, records: r._sum.records ?? 0, written: r._sum.written ?? 0, skipped: r._sum.skipped ?? 0, deleted: r._sum.deleted ?? 0, failed: r._sum.failed ?? 0 },
    ]),
  );
}

// ---- the run ----------------------------------------------------------------------------------------

export type RunRebuildOptions = QueueRunOptions & {
  /** After each page's progress is saved (tests). */
  onPage?: (pages: number) => void | Promise<void>;
};

export type RunRebuildResult =
  | { outcome: "COMPLETED" | "CANCELLED" | "YIELDED"; counts: PageCounts & { pages: number } }
  | { outcome: "FAILED"; error: string }
  | { outcome: "BUSY"; graphId: string }
  | { outcome: "SKIPPED"; reason: string };

/** The attempt failed and will be retried (pg-boss) from the saved place. */
export class RebuildAttemptError extends Error {
  name = "RebuildAttemptError";
}

async function targetOf(rebuildId: string) {
  const row = await prisma.knowledgeRebuild.findUnique({
    where: { id: rebuildId },
    include: { connection: { select: { id: true, connectionId: true, provider: true, organizationId: true, metadata: true } } },
  });
  if (!row) return null;
  const c = row.connection;
  return { row, connection: c, graphId: graphIdFor(c.organizationId, row.projectKey), models: providerConfig(c.provider).models };
}

export async function runRebuild(rebuildId: string, opts: RunRebuildOptions = {}): Promise<RunRebuildResult> {
  const target = await targetOf(rebuildId);
  if (!target) return { outcome: "SKIPPED", reason: "the rebuild no longer exists" };
  if (target.row.status !== "PENDING" && target.row.status !== "RUNNING") return { outcome: "SKIPPED", reason: `the rebuild is already ${target.row.status}` };
  const lock = await tryLockGraph(target.graphId, opts.connectionString);
  if (!lock) return { outcome: "BUSY", graphId: target.graphId };
  try {
    return await runLocked(rebuildId, { ...opts, shouldStop: () => lock.lost() || (opts.shouldStop?.() ?? false) });
  } finally {
    await lock.release();
  }
}

async function runLocked(rebuildId: string, opts: RunRebuildOptions): Promise<RunRebuildResult> {
  // Re-read under the lock: another worker may have finished or a person cancelled it meanwhile.
  const target = await targetOf(rebuildId);
  if (!target) return { outcome: "SKIPPED", reason: "the rebuild no longer exists" };
  const { row, connection, graphId, models } = target;
  const claimed = await prisma.knowledgeRebuild.updateMany({
    where: { id: rebuildId, status: { in: [...ACTIVE_REBUILD] } },
    data: { status: "RUNNING", startedAt: row.startedAt ?? new Date(), progressAt: new Date(), ...(opts.continuation ? {} : { attempts: { increment: 1 } }) },
  });
  if (claimed.count === 0) return { outcome: "SKIPPED", reason: "the rebuild was finished or cancelled meanwhile" };

  // Counts so far (earlier runs of this rebuild), to which each page adds its own.
  const totals = { pages: row.pages, records: row.records, written: row.written, skipped: row.skipped, deleted: row.deleted, failed: row.failed };
  let modelIndex = row.modelIndex;
  let cursor = row.cursor;
  let cancelled = false;
  let stopped = false;
  const deadline = opts.timeBudgetMs === undefined ? Infinity : Date.now() + opts.timeBudgetMs;
  const shouldStop = () => {
    if (!stopped && (Date.now() >= deadline || opts.shouldStop?.())) stopped = true;
    return stopped || cancelled;
  };
  // Saved after each page while RUNNING (a cancelled row still gets its final counts); the status it
  // answers is the row's own, so a cancel is noticed here too.
  const save = async () => {
    const [r] = await prisma.$queryRaw<{ status: string }[]>`
      UPDATE "KnowledgeRebuild" SET
        "pages" = ${totals.pages}, "records" = ${totals.records}, "written" = ${totals.written}, "skipped" = ${totals.skipped},
        "deleted" = ${totals.deleted}, "failed" = ${totals.failed}, "modelIndex" = ${modelIndex}, "cursor" = ${cursor}, "progressAt" = now()
      WHERE id = ${rebuildId} AND status IN ('RUNNING', 'CANCELLED')
      RETURNING status::text AS status`;
    if (r?.status !== "RUNNING") cancelled = true;
  };
  /** The end of a run that was still RUNNING (false: it was cancelled meanwhile, and stays so). */
  const finish = async (status: "COMPLETED" | "FAILED", error: string | null) => {
    const done = await prisma.$transaction(async (tx) => {
      const { count } = await tx.knowledgeRebuild.updateMany({
        where: { id: rebuildId, status: "RUNNING" },
        data: { ...totals, modelIndex, cursor, status, error, activeKey: null, finishedAt: new Date(), progressAt: new Date() },
      });
      if (count)
        await recordAudit(tx, {
          organizationId: connection.organizationId,
          action: "knowledge.rebuild_finished",
          target: { type: "connection", id: connection.id, label: connection.connectionId },
          after: { rebuildId, status, ...totals, ...(error ? { error } : {}) },
          actor: ATLAS_ACTOR,
        });
      return count > 0;
    });
    if (!done) cancelled = true;
    return done;
  };
  const stillRunning = async () => {
    const r = await prisma.knowledgeRebuild.findUnique({ where: { id: rebuildId }, select: { status: true } });
    if (r?.status !== "RUNNING") cancelled = true;
    return !cancelled;
  };

  try {
    await ensureProject(connection.organizationId, row.projectKey);
    for (; modelIndex < models.length; modelIndex++, cursor = null) {
      const model = models[modelIndex]!;
      const pages = nangoRecordPages(
        opts.nango ?? nangoClient(),
        // No modifiedAfter: every record Nango holds for the model, deleted ones included.
        { providerConfigKey: integrationOf(connection), connectionId: connection.connectionId, model, cursor, pageSize: opts.pageSize },
        { ...opts.nangoRetry, shouldStop },
      );
      const records = (async function* () {
        for await (const page of pages) {
          for (const record of page) {
            if (shouldStop()) return;
            yield record as NangoRecord;
          }
        }
      })();
      const before = { ...totals };
      await ingestRecords({
        records,
        graphId,
        source: { provider: connection.provider.toLowerCase() as ProviderName, connectionId: connection.connectionId, model },
        owner: { organizationId: connection.organizationId, projectKey: row.projectKey },
        pageSize: opts.pageSize,
        zep: opts.zep,
        // Before each page is sent, the row must still be RUNNING: a cancel stops the run at this boundary.
        shouldStop: async () => shouldStop() || !(await stillRunning()),
        onCheckpoint: async (recordCursor, c) => {
          cursor = recordCursor;
          Object.assign(totals, {
            pages: totals.pages + 1,
            records: before.records + c.records,
            written: before.written + c.written,
            skipped: before.skipped + c.skipped,
            deleted: before.deleted + c.deleted,
            failed: before.failed + c.failed,
          });
          await save();
          await opts.onPage?.(totals.pages);
        },
      });
      if (cancelled) return { outcome: "CANCELLED", counts: totals };
      if (stopped) {
        await save();
        return cancelled ? { outcome: "CANCELLED", counts: totals } : { outcome: "YIELDED", counts: totals };
      }
    }
    if (!(await finish("COMPLETED", null))) return { outcome: "CANCELLED", counts: totals };
    return { outcome: "COMPLETED", counts: totals };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // Nango refusing the connection or model will refuse it again: no retry.
    if (opts.isLastAttempt || err instanceof NangoPermanentError) {
      if (!(await finish("FAILED", message))) return { outcome: "CANCELLED", counts: totals };
      return { outcome: "FAILED", error: message };
    }
    await save();
    if (cancelled) return { outcome: "CANCELLED", counts: totals };
    await prisma.knowledgeRebuild.updateMany({ where: { id: rebuildId, status: "RUNNING" }, data: { error: message } });
    throw new RebuildAttemptError(message);
  }
}
