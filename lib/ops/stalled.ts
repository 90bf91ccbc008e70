// "Stalled": a sync job still PENDING or IN_PROGRESS whose progress (SyncJob.progressAt, kept by a database
// trigger on every status, count or cursor change) has not moved for ATLAS_STALLED_AFTER_MINUTES. The one
// definition the badge, the overview line, the sync-history filter and the alerts all use.
import { getEnv } from "@/lib/env";
import { Prisma } from "@/lib/db/client";

export const RUNNING_STATUSES = ["PENDING", "IN_PROGRESS"] as const;

export const stalledAfterMs = (): number => getEnv().ATLAS_STALLED_AFTER_MINUTES * 60_000;

/** Jobs whose last progress is before this instant are stalled (if still running). */
export const stalledCutoff = (now: Date = new Date()): Date => new Date(now.getTime() - stalledAfterMs());

export function isStalled(job: { status: string; progressAt: Date }, now: Date = new Date()): boolean {
  return (RUNNING_STATUSES as readonly string[]).includes(job.status) && job.progressAt < stalledCutoff(now);
}

/** The same rule as a Prisma filter. */
export function stalledWhere(now: Date = new Date()): Prisma.SyncJobWhereInput {
  return { status: { in: [...RUNNING_STATUSES] }, progressAt: { lt: stalledCutoff(now) } };
}

/** The same rule in raw SQL over "SyncJob" aliased as `alias`. */
export function stalledSql(alias = "j", now: Date = new Date()): Prisma.Sql {
  const a = Prisma.raw(`"${alias}"`);
  return Prisma.sql`${a}.status IN ('PENDING', 'IN_PROGRESS') AND ${a}."progressAt" < ${stalledCutoff(now)}`;
}
