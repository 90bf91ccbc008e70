// The periodic problem scan (the alerts queue runs it on ATLAS_ALERTS_CRON): it looks at the state of things,
// whoever changed it (webhooks, workers, people), opens the problems it sees and resolves those it no longer
// sees. Connections EXPIRED or in ERROR; N failed syncs in a row (and auto-pause, when the organization set
// it); stalled sync jobs.
import { prisma, Prisma } from "@/lib/db/client";
import { accountNameOf } from "@/lib/data/connection-metadata";
import { log } from "@/lib/log";
import { pauseSyncs } from "@/lib/nango/connections";
import { stalledWhere } from "@/lib/ops/stalled";
import { getEnv } from "@/lib/env";
import type { Scope } from "@/lib/data/scope";
import { ForbiddenError } from "@/lib/errors";
import { openProblems, reportProblem, resolveProblem, type ProblemKind } from "./problems";
import { DEFAULT_SETTINGS } from "./settings";

export type ScanResult = { opened: number; resolved: number; autoPaused: number };

type Seen = { organizationId: string; subjectId: string; summary: string; details?: Prisma.InputJsonValue };

const key = (organizationId: string, subjectId: string) => `${organizationId}\u0000${subjectId}`;

/** Opens what is seen, resolves open problems of the kind that are not seen any more. */
async function reconcile(kind: ProblemKind, seen: Seen[], result: ScanResult, organizationId: string | undefined, how: string) {
  const current = new Set(seen.map((s) => key(s.organizationId, s.subjectId)));
  for (const s of seen) if (await reportProblem({ kind, ...s })) result.opened++;
  for (const open of await openProblems(kind, organizationId)) {
    if (!current.has(key(open.organizationId, open.subjectId)) && (await resolveProblem(open.organizationId, kind, open.subjectId, how))) result.resolved++;
  }
}

const labelOf = (c: { provider: string; metadata: unknown; user?: { email: string } | null }) =>
  `${c.provider.charAt(0)}${c.provider.slice(1).toLowerCase()}${accountNameOf(c) ? ` ${accountNameOf(c)}` : ""}${c.user ? ` (${c.user.email})` : ""}`;

export async function scanProblems(opts: { organizationId?: string; now?: Date } = {}): Promise<ScanResult> {
  const now = opts.now ?? new Date();
  const org = opts.organizationId ? { organizationId: opts.organizationId } : {};
  const result: ScanResult = { opened: 0, resolved: 0, autoPaused: 0 };

  // 1. Connections expired or in error.
  const broken = await prisma.connection.findMany({
    where: { ...org, status: { in: ["EXPIRED", "ERROR"] } },
    select: { id: true, organizationId: true, provider: true, status: true, metadata: true, user: { select: { email: true } } },
  });
  await reconcile(
    "CONNECTION_BROKEN",
    broken.map((c) => {
      const lastError = (c.metadata as { lastError?: { message?: unknown } } | null)?.lastError?.message;
      return {
        organizationId: c.organizationId,
        subjectId: c.id,
        summary: `${labelOf(c)} is ${c.status === "EXPIRED" ? "expired: the owner must reconnect it" : "in error"}${typeof lastError === "string" ? ` (${lastError})` : ""}.`,
        details: { connectionId: c.id, status: c.status },
      };
    }),
    result,
    opts.organizationId,
    "the connection is active again or was removed",
  );

  // An auto-pause is over once the connection is resumed (or removed); resolved before counting streaks,
  // whose auto-pause count starts at that resolution.
  const autoPaused = await prisma.connection.findMany({ where: { ...org, metadata: { path: ["syncsPausedReason"], string_contains: "" } }, select: { id: true, organizationId: true } });
  const stillPaused = new Set(autoPaused.map((c) => key(c.organizationId, c.id)));
  for (const open of await openProblems("AUTO_PAUSED", opts.organizationId)) {
    if (!stillPaused.has(key(open.organizationId, open.subjectId)) && (await resolveProblem(open.organizationId, "AUTO_PAUSED", open.subjectId, "the connection was resumed"))) result.resolved++;
  }

  // 2. Failed syncs in a row: failures since the connection's last completed job. For auto-pause, also only
  // since Atlas last saw it resumed, so a person who resumes it gets a fresh count.
  const streaks = await prisma.$queryRaw<{ id: string; organizationId: string; streak: bigint; pauseStreak: bigint }[]>`
    SELECT c.id, c."organizationId",
      count(j.id) FILTER (WHERE j."startedAt" > COALESCE(done.at, '-infinity')) AS streak,
      count(j.id) FILTER (WHERE j."startedAt" > GREATEST(COALESCE(done.at, '-infinity'), COALESCE(p."resolvedAt", '-infinity'))) AS "pauseStreak"
    FROM "Connection" c
    JOIN "SyncJob" j ON j."connectionId" = c.id AND j.status = 'FAILED'
    LEFT JOIN LATERAL (SELECT max(k."startedAt") AS at FROM "SyncJob" k WHERE k."connectionId" = c.id AND k.status = 'COMPLETED') done ON true
    LEFT JOIN "AlertProblem" p ON p."organizationId" = c."organizationId" AND p.kind = 'AUTO_PAUSED' AND p."subjectId" = c.id
    ${opts.organizationId ? Prisma.sql`WHERE c."organizationId" = ${opts.organizationId}` : Prisma.empty}
    GROUP BY c.id, c."organizationId", done.at, p."resolvedAt"`;
  const settingsRows = await prisma.alertSettings.findMany({ where: { organizationId: { in: [...new Set(streaks.map((s) => s.organizationId))] } } });
  const settingsOf = (organizationId: string) => settingsRows.find((s) => s.organizationId === organizationId) ?? DEFAULT_SETTINGS;
  const failing = streaks.filter((s) => Number(s.streak) >= settingsOf(s.organizationId).failureStreak);
  const connections = await prisma.connection.findMany({
    where: { id: { in: streaks.map((s) => s.id) } },
    select: { id: true, provider: true, metadata: true, user: { select: { email: true } } },
  });
  const connectionOf = (id: string) => connections.find((c) => c.id === id)!;
  await reconcile(
    "FAILURE_STREAK",
    failing.map((s) => ({
      organizationId: s.organizationId,
      subjectId: s.id,
      summary: `${labelOf(connectionOf(s.id))}: ${Number(s.streak)} failed syncs in a row.`,
      details: { connectionId: s.id, failedInARow: Number(s.streak) },
    })),
    result,
    opts.organizationId,
    "a sync completed again",
  );

  // 3. Auto-pause (per organization, off by default), through Nango's pause like a person's.
  for (const s of streaks) {
    const limit = settingsOf(s.organizationId).autoPauseAfter;
    const c = connectionOf(s.id);
    const paused = typeof (c.metadata as { syncsPausedAt?: unknown } | null)?.syncsPausedAt === "string";
    if (limit === null || Number(s.pauseStreak) < limit || paused) continue;
    const reason = `Paused by Atlas after ${Number(s.pauseStreak)} failed syncs in a row (the organization's limit is ${limit}).`;
    try {
      await pauseSyncs({ organizationId: s.organizationId, userId: "atlas", role: "ADMIN" }, s.id, reason);
      result.autoPaused++;
      if (await reportProblem({ organizationId: s.organizationId, kind: "AUTO_PAUSED", subjectId: s.id, summary: `${labelOf(c)}: ${reason} Resume it once the cause is fixed.`, details: { connectionId: s.id, failedInARow: Number(s.pauseStreak) } }))
        result.opened++;
    } catch (err) {
      log.warn({ err, connectionId: s.id }, "auto-pause failed; retried at the next scan");
    }
  }
  // 4. Stalled sync jobs.
  const stalled = await prisma.syncJob.findMany({
    where: { ...stalledWhere(now), ...(opts.organizationId ? { connection: { organizationId: opts.organizationId } } : {}) },
    select: { id: true, status: true, recordsProcessed: true, recordsReported: true, progressAt: true, connection: { select: { organizationId: true, provider: true, metadata: true, user: { select: { email: true } } } } },
    take: 1000,
  });
  const minutes = getEnv().ATLAS_STALLED_AFTER_MINUTES;
  await reconcile(
    "STALLED_SYNC",
    stalled.map((j) => ({
      organizationId: j.connection.organizationId,
      subjectId: j.id,
      summary: `A sync of ${labelOf(j.connection)} has made no progress for over ${minutes} minutes (${j.status === "PENDING" ? "pending" : "in progress"}, ${j.recordsProcessed}${j.recordsReported !== null ? `/${j.recordsReported}` : ""} records). Cancel or retry it in Sync history.`,
      details: { syncJobId: j.id, status: j.status, progressAt: j.progressAt.toISOString() },
    })),
    result,
    opts.organizationId,
    "the sync moved on, finished or was cancelled",
  );

  if (result.opened || result.resolved || result.autoPaused) log.info({ ...result, organizationId: opts.organizationId }, "alert scan");
  return result;
}

/**
 * An admin's "Check now" on the Alerts page: the periodic scan, for their organization only, at once (after
 * fixing something, or where the schedule is off). Racing the periodic scan is harmless: a problem opens and
 * resolves once (problems.ts).
 */
export async function checkProblemsNow(scope: Scope): Promise<ScanResult> {
  if (scope.role !== "ADMIN") throw new ForbiddenError("Only administrators can run the problem check.");
  return scanProblems({ organizationId: scope.organizationId });
}
