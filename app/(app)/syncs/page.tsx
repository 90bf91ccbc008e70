import { Card, EmptyState } from "@/components/card";
import { ActivityChart } from "@/components/charts/activity-chart";
import { FilterForm, Pager, Select, hrefWith } from "@/components/filter-form";
import { providerName } from "@/components/provider-name";
import { SyncTable } from "@/components/sync-table";
import { getViewer } from "@/lib/auth/viewer";
import { SyncStatus } from "@/lib/db/client";
import { ALL_PROVIDERS } from "@/lib/nango/providers";
import { loadSyncHistory, parseSyncFilters } from "@/lib/dashboard/sync-history";
import { RetentionCard } from "@/components/retention-card";
import { lastMaintenanceRuns, syncJobRetentionDays } from "@/lib/maintenance/retention";

export const metadata = { title: "Sync history" };

export default async function SyncsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const viewer = await getViewer();
  const filters = parseSyncFilters(await searchParams);
  const [{ jobs, nextCursor, activity }, maintenance] = await Promise.all([
    loadSyncHistory(viewer, filters),
    viewer.role === "ADMIN" ? lastMaintenanceRuns() : Promise.resolve(null),
  ]);
  const params = { status: filters.status, provider: filters.provider, from: filters.from, to: filters.to };
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-semibold">Sync history</h1>
      <Card title="Records per day, last 30 days">
        <ActivityChart days={activity} label="Sync jobs and records per day for the selected filters" />
      </Card>
      <FilterForm resetHref="/syncs">
        <Select name="status" label="Status" value={filters.status} options={[...Object.values(SyncStatus).map((s) => ({ value: s, label: s.replace("_", " ").toLowerCase() })), { value: "STALLED", label: "stalled (no progress)" }]} />
        <Select name="provider" label="Provider" value={filters.provider} options={ALL_PROVIDERS.map((p) => ({ value: p, label: providerName(p) }))} />
        <label className="flex flex-col text-xs font-medium text-slate-700">
          From
          <input type="date" name="from" defaultValue={filters.from} className="mt-1 rounded-md border border-slate-300 px-2 py-1 text-sm" />
        </label>
        <label className="flex flex-col text-xs font-medium text-slate-700">
          To
          <input type="date" name="to" defaultValue={filters.to} className="mt-1 rounded-md border border-slate-300 px-2 py-1 text-sm" />
        </label>
      </FilterForm>
      {jobs.length === 0 ? <EmptyState title="No sync jobs match">Change the filters or the date range.</EmptyState> : <SyncTable jobs={jobs} showConnection cancellable={viewer.role === "ADMIN"} />}
      <Pager isFirst={!filters.cursor} firstHref={hrefWith("/syncs", params, {})} nextHref={nextCursor ? hrefWith("/syncs", params, { cursor: nextCursor }) : null} />
      {maintenance && <RetentionCard runs={maintenance} retentionDays={syncJobRetentionDays()} />}
    </div>
  );
}
