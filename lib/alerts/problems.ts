// Problems an organization is alerted about, keyed by (organization, kind, subject). A problem opens once
// (one "opened" message per channel), stays open however often it is seen again, and resolves once (one
// "resolved" message). Both transitions are single conditional statements, so two detectors racing on the
// same problem still send one message. Who detects does not matter: the periodic scan (scan.ts) and any
// immediate caller use these two functions.
import { randomUUID } from "node:crypto";
import { prisma, type Prisma } from "@/lib/db/client";
import { log } from "@/lib/log";
import { dispatchDeliveries, queueMessages } from "./dispatch";

export const PROBLEM_KINDS = ["CONNECTION_BROKEN", "FAILURE_STREAK", "STALLED_SYNC", "AUTO_PAUSED"] as const;
export type ProblemKind = (typeof PROBLEM_KINDS)[number];

export const PROBLEM_LABEL: Record<ProblemKind, string> = {
  CONNECTION_BROKEN: "Connection expired or in error",
  FAILURE_STREAK: "Failed syncs in a row",
  STALLED_SYNC: "Stalled sync",
  AUTO_PAUSED: "Connection paused by Atlas",
};

export type ProblemReport = {
  organizationId: string;
  kind: ProblemKind;
  /** What the problem is about: a connection or sync job id. */
  subjectId: string;
  /** One sentence, the alert's text. */
  summary: string;
  details?: Prisma.InputJsonValue;
};

/** Opens the problem unless it is open already; true when this call opened it (and queued its alerts). */
export async function reportProblem(p: ProblemReport): Promise<boolean> {
  const details = p.details === undefined ? null : JSON.stringify(p.details);
  const opened = await prisma.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ id: string }[]>`
      INSERT INTO "AlertProblem" (id, "organizationId", kind, "subjectId", status, summary, details, "openedAt", "lastSeenAt")
      VALUES (${randomUUID()}, ${p.organizationId}, ${p.kind}, ${p.subjectId}, 'OPEN', ${p.summary}, ${details}::jsonb, now(), now())
      ON CONFLICT ("organizationId", kind, "subjectId") DO UPDATE
        SET status = 'OPEN', summary = EXCLUDED.summary, details = EXCLUDED.details, "openedAt" = now(), "lastSeenAt" = now(), "resolvedAt" = NULL
        WHERE "AlertProblem".status = 'RESOLVED'
      RETURNING id`;
    const problem = rows[0];
    if (!problem) {
      await tx.alertProblem.updateMany({ where: { organizationId: p.organizationId, kind: p.kind, subjectId: p.subjectId }, data: { lastSeenAt: new Date() } });
      return null;
    }
    return { deliveryIds: await queueMessages(tx, p.organizationId, problem.id, "opened", PROBLEM_LABEL[p.kind], p.summary) };
  });
  if (!opened) return false;
  log.info({ organizationId: p.organizationId, kind: p.kind, subjectId: p.subjectId }, "alert problem opened");
  await dispatchDeliveries(opened.deliveryIds);
  return true;
}

/** Resolves the problem if it is open; true when this call resolved it (and queued the "resolved" messages). */
export async function resolveProblem(organizationId: string, kind: ProblemKind, subjectId: string, how?: string): Promise<boolean> {
  const resolved = await prisma.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ id: string; summary: string }[]>`
      UPDATE "AlertProblem" SET status = 'RESOLVED', "resolvedAt" = now()
      WHERE "organizationId" = ${organizationId} AND kind = ${kind} AND "subjectId" = ${subjectId} AND status = 'OPEN'
      RETURNING id, summary`;
    const problem = rows[0];
    if (!problem) return null;
    const text = `Resolved${how ? ` (${how})` : ""}: ${problem.summary}`;
    return { deliveryIds: await queueMessages(tx, organizationId, problem.id, "resolved", `Resolved: ${PROBLEM_LABEL[kind]}`, text) };
  });
  if (!resolved) return false;
  log.info({ organizationId, kind, subjectId }, "alert problem resolved");
  await dispatchDeliveries(resolved.deliveryIds);
  return true;
}

/** Open problems of one kind (the scan resolves those it no longer sees). */
export function openProblems(kind: ProblemKind, organizationId?: string) {
  return prisma.alertProblem.findMany({ where: { kind, status: "OPEN", ...(organizationId ? { organizationId } : {}) }, select: { organizationId: true, subjectId: true } });
}
