// Data of the overview page: what is connected, how syncs went over 30 days, and what needs attention.
// A fixed number of statements whatever the number of connections or jobs.
import "server-only";
import { ALL_PROVIDERS } from "@/lib/nango/providers";
import { ConnectionStatus, Prisma, prisma, type Provider, type SyncStatus } from "@/lib/db/client";
import { connectionsVisibleTo, connectionsVisibleToSql, type Scope } from "@/lib/data/scope";
import { lastErrorOf, whoMustAct, type ActionOwner, type LastError } from "./attention";
import { accountNameOf } from "@/lib/data/connection-metadata";

/** In the order the schema declares them. */
export const CONNECTION_STATUSES = Object.values(ConnectionStatus);

export type DailyActivity = { day: string; completed: number; failed: number; running: number; records: number };

export type AttentionItem = {
  id: string;
  provider: Provider;
  status: ConnectionStatus;
  accountName: string | null;
  owner: string;
  error: LastError | null;
  actionOwner: ActionOwner;
};

type ActivityRow = { day: Date; status: string; jobs: number; records: number };
export type ActivityFilters = { provider?: Provider; status?: SyncStatus; userId?: string };

const startOfPeriod = (days: number, now: Date) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - (days - 1)));

/**
 * Jobs and records per day from the daily rollup: the day rows (SyncActivityDay) plus the changes triggers
 * appended since the last fold (SyncActivityDelta, see ./activity.ts), a few thousand rows at most however
 * many jobs. Members see their own connections' activity.
 */
export async function dailyActivity(scope: Scope, days: number, now = new Date(), filters: ActivityFilters = {}) {
  const since = startOfPeriod(days, now);
  const userId = scope.role === "ADMIN" ? filters.userId : scope.userId;
  // The same filter on both tables (a and d alike), so each reads its own (organizationId, day) range.
  const where = (t: Prisma.Sql) => Prisma.sql`
    ${t}."organizationId" = ${scope.organizationId} AND ${t}.day >= ${since}::date
      ${userId ? Prisma.sql`AND ${t}."userId" = ${userId}` : Prisma.empty}
      ${filters.provider ? Prisma.sql`AND ${t}.provider = ${filters.provider}::"Provider"` : Prisma.empty}
      ${filters.status ? Prisma.sql`AND ${t}.status = ${filters.status}::"SyncStatus"` : Prisma.empty}`;
  // Deltas are negative for what a write took away: rows are filtered only once summed.
  const rows = await prisma.$queryRaw<ActivityRow[]>`
    SELECT x.day, x.status::text AS status, sum(x.jobs)::int AS jobs, sum(x.records)::float8 AS records
    FROM (
      SELECT a.day, a.status, a.jobs, a.records FROM "SyncActivityDay" a WHERE ${where(Prisma.raw("a"))}
      UNION ALL
      SELECT d.day, d.status, d.jobs, d.records FROM "SyncActivityDelta" d WHERE ${where(Prisma.raw("d"))}
    ) x
    GROUP BY 1, 2
    HAVING sum(x.jobs) <> 0 OR sum(x.records) <> 0`;
  return byDay(rows, since, days);
}

/** The same from the jobs themselves, for filters the rollup does not keep (`extra` is SQL over j and c). */
export async function dailyActivityOfJobs(scope: Scope, days: number, now: Date, extra: Prisma.Sql) {
  const since = startOfPeriod(days, now);
  const rows = await prisma.$queryRaw<ActivityRow[]>`
    SELECT date_trunc('day', j."startedAt" AT TIME ZONE 'UTC') AS day, j.status::text AS status,
           count(*)::int AS jobs, coalesce(sum(j."recordsProcessed"), 0)::float8 AS records
    FROM "SyncJob" j JOIN "Connection" c ON c.id = j."connectionId"
    WHERE j."organizationId" = ${scope.organizationId} AND ${connectionsVisibleToSql(scope)} AND j."startedAt" >= ${since} ${extra}
    GROUP BY 1, 2`;
  return byDay(rows, since, days);
}

/** Every day of the period present (zero-filled) so the chart has no gaps. */
function byDay(rows: ActivityRow[], since: Date, days: number): DailyActivity[] {
  const byDay = new Map<string, DailyActivity>();
  for (let i = 0; i < days; i++) {
    const day = new Date(since.getTime() + i * 86_400_000).toISOString().slice(0, 10);
    byDay.set(day, { day, completed: 0, failed: 0, running: 0, records: 0 });
  }
  for (const row of rows) {
    const entry = byDay.get(new Date(row.day).toISOString().slice(0, 10));
    if (!entry) continue;
    if (row.status === "COMPLETED") entry.completed += row.jobs;
    else if (row.status === "FAILED") entry.failed += row.jobs;
    else entry.running += row.jobs;
    entry.records += row.records;
  }
  return [...byDay.values()];
}

export async function loadOverview(scope: Scope, now = new Date()) {
  const visible = connectionsVisibleTo(scope);
  const [groups, activity, problems] = await Promise.all([
    prisma.connection.groupBy({ by: ["provider", "status"], where: visible, _count: { id: true } }),
    dailyActivity(scope, 30, now),
    prisma.connection.findMany({
      where: { ...visible, status: { in: ["ERROR", "EXPIRED"] } },
      orderBy: { updatedAt: "desc" },
      take: 50,
      select: { id: true, provider: true, status: true, metadata: true, user: { select: { name: true, email: true } } },
    }),
  ]);

  const matrix = ALL_PROVIDERS.map((provider) => {
    const row: Record<ConnectionStatus, number> = { ACTIVE: 0, INACTIVE: 0, ERROR: 0, EXPIRED: 0 };
    for (const g of groups) if (g.provider === provider) row[g.status] = g._count.id;
    return { provider, ...row, total: Object.values(row).reduce((a, b) => a + b, 0) };
  });

  const attention: AttentionItem[] = problems.map((c) => {
    const error = lastErrorOf(c.metadata);
    return {
      id: c.id,
      provider: c.provider,
      status: c.status,
      accountName: accountNameOf(c),
      owner: c.user.name ?? c.user.email,
      error,
      actionOwner: whoMustAct(c.status, error?.code),
    };
  });

  return {
    matrix,
    totals: {
      connections: matrix.reduce((a, r) => a + r.total, 0),
      active: matrix.reduce((a, r) => a + r.ACTIVE, 0),
      problems: attention.length,
      jobs30d: activity.reduce((a, d) => a + d.completed + d.failed + d.running, 0),
      failed30d: activity.reduce((a, d) => a + d.failed, 0),
      records30d: activity.reduce((a, d) => a + d.records, 0),
    },
    activity,
    attention,
  };
}
