import Link from "next/link";
import { Card, EmptyState, Stat } from "@/components/card";
import { ActivityChart } from "@/components/charts/activity-chart";
import { ProviderName } from "@/components/provider-name";
import { RelativeTime } from "@/components/relative-time";
import { RunningSyncs } from "@/components/running-syncs";
import { OpsSummary } from "@/components/ops-summary";
import { StatusBadge } from "@/components/status-badge";
import { getViewer } from "@/lib/auth/viewer";
import { ACTION_LABEL } from "@/lib/dashboard/attention";
import { CONNECTION_STATUSES, loadOverview } from "@/lib/dashboard/overview";
import { runningSyncs } from "@/lib/dashboard/sync-history";

export const metadata = { title: "Overview" };

export default async function OverviewPage() {
  const viewer = await getViewer();
  const [overview, running] = await Promise.all([loadOverview(viewer), runningSyncs(viewer)]);
  const { totals, matrix, activity, attention } = overview;
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold">{viewer.role === "ADMIN" ? viewer.organizationName : "Your connections"}</h1>
        <p className="text-sm text-slate-600">
          {viewer.role === "ADMIN" ? "Every connection of your organization." : "Accounts you connected and how their syncs went."}
        </p>
      </div>

      <div className="grid grid-cols-2 gap-3 md:grid-cols-4">
        <Stat label="Connections" value={totals.connections} />
        <Stat label="Active" value={totals.active} tone="emerald" />
        <Stat label="Need attention" value={totals.problems} tone={totals.problems ? "rose" : "slate"} />
        <Stat label="Records synced, 30 days" value={totals.records30d} />
      </div>

      <OpsSummary scope={viewer} />

      <div className="grid gap-6 lg:grid-cols-2">
        <Card title="Connections by provider and status">
          {totals.connections === 0 ? (
            <EmptyState title="No connections yet">Connect an account to see it here.</EmptyState>
          ) : (
            <div className="overflow-x-auto">
              <table className="w-full text-sm" data-testid="status-matrix">
                <caption className="sr-only">Connections by provider and status</caption>
                <thead>
                  <tr className="text-left text-slate-600">
                    <th className="py-1 font-medium">Provider</th>
                    {CONNECTION_STATUSES.map((s) => (
                      <th key={s} className="py-1 text-right font-medium">
                        {s.charAt(0) + s.slice(1).toLowerCase()}
                      </th>
                    ))}
                    <th className="py-1 text-right font-medium">Total</th>
                  </tr>
                </thead>
                <tbody>
                  {matrix.map((row) => (
                    <tr key={row.provider} className="border-t border-slate-100">
                      <td className="py-1">
                        <ProviderName provider={row.provider} />
                      </td>
                      {CONNECTION_STATUSES.map((s) => (
                        <td key={s} className="py-1 text-right tabular-nums">
                          {row[s] === 0 ? (
                            <span className="text-slate-500">0</span>
                          ) : (
                            <Link
                              className={`hover:underline ${s === "ERROR" || s === "EXPIRED" ? "font-semibold text-rose-700" : "text-indigo-700"}`}
                              href={`/connections?provider=${row.provider}&status=${s}`}
                            >
                              {row[s]}
                            </Link>
                          )}
                        </td>
                      ))}
                      <td className="py-1 text-right font-medium tabular-nums">{row.total}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <p className="mt-2 text-xs text-slate-600">Red counts need attention; each number opens those connections.</p>
            </div>
          )}
        </Card>
        <Card title="Sync jobs per day, last 30 days">
          <ActivityChart days={activity} label="Sync jobs per day over the last 30 days, by outcome" />
          <p className="mt-2 text-sm text-slate-600">
            {totals.jobs30d.toLocaleString("en-US")} jobs, {totals.failed30d.toLocaleString("en-US")} failed;{" "}
            {totals.records30d.toLocaleString("en-US")} records synced.{" "}
            <Link href="/syncs?status=FAILED" className="text-indigo-700 underline">
              See failed jobs
            </Link>
          </p>
        </Card>
      </div>

      <Card title="Running syncs">
        <RunningSyncs initial={running.map((r) => ({ ...r, startedAt: r.startedAt.toISOString() }))} />
      </Card>

      <Card title="Needs attention">
        {attention.length === 0 ? (
          <EmptyState title="Nothing needs attention">Every connection is healthy.</EmptyState>
        ) : (
          <ul className="divide-y divide-slate-100" data-testid="attention-list">
            {attention.map((item) => (
              <li key={item.id} className="flex flex-col gap-1 py-3 sm:flex-row sm:items-center sm:gap-4">
                <div className="flex min-w-0 flex-1 flex-wrap items-center gap-2">
                  <ProviderName provider={item.provider} />
                  <StatusBadge status={item.status} />
                  <Link href={`/connections/${item.id}`} className="truncate text-indigo-700 hover:underline">
                    {item.accountName ?? "connection"} · {item.owner}
                  </Link>
                </div>
                <div className="text-sm sm:w-80">
                  <p className="text-slate-900">
                    {item.error?.message ?? "Unknown error"} {item.error && <code className="text-xs text-slate-600">{item.error.code}</code>}
                  </p>
                  <p className="text-xs text-slate-600">
                    <span className="font-medium">{ACTION_LABEL[item.actionOwner].title}</span> ·{" "}
                    <RelativeTime date={item.error?.timestamp} fallback="time unknown" />
                  </p>
                </div>
              </li>
            ))}
          </ul>
        )}
      </Card>
    </div>
  );
}
