import { Card, EmptyState } from "@/components/card";
import { ActivityChart } from "@/components/charts/activity-chart";
import { FilterForm, Pager, Select, hrefWith } from "@/components/filter-form";
import { providerName } from "@/components/provider-name";
import { SyncTable } from "@/components/sync-table";
import { BulkRetryButton } from "@/components/bulk-actions";
import { DownloadCsv } from "@/components/download-csv";
import { getViewer } from "@/lib/auth/viewer";
import { SyncStatus } from "@/lib/db/client";
import { ALL_PROVIDERS } from "@/lib/nango/providers";
import { ownerOptions } from "@/lib/dashboard/connections";
import { loadSyncHistory, parseSyncFilters, syncFilterOptions } from "@/lib/dashboard/sync-history";
import { RetentionCard } from "@/components/retention-card";
import { lastMaintenanceRuns, syncJobRetentionDays } from "@/lib/maintenance/retention";

export const metadata = { title: "Sync history" };

const dateInput = "mt-1 w-full rounded-md border border-slate-300 px-2 py-1 text-sm";

export default async function SyncsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const viewer = await getViewer();
  const filters = parseSyncFilters(await searchParams);
  const [{ jobs, nextCursor, activity, page, pages, total, capped }, options, owners, maintenance] = await Promise.all([
    loadSyncHistory(viewer, filters),
    syncFilterOptions(viewer),
    ownerOptions(viewer),
    viewer.role === "ADMIN" ? lastMaintenanceRuns() : Promise.resolve(null),
  ]);
  const { cursor: _cursor, ...params } = filters;
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h1 className="text-2xl font-semibold">Sync history</h1>
        <DownloadCsv path="/syncs/export" filters={params} />
      </div>
      <Card title="Sync jobs per day, last 30 days">
        <ActivityChart days={activity} label="Sync jobs per day over the last 30 days for the selected filters, by outcome" />
      </Card>
      <FilterForm resetHref="/syncs">
        <Select name="status" label="Status" value={filters.status} options={[...Object.values(SyncStatus).map((s) => ({ value: s, label: s.replace("_", " ").toLowerCase() })), { value: "STALLED", label: "stalled (no progress)" }]} />
        <Select name="provider" label="Provider" value={filters.provider} options={ALL_PROVIDERS.map((p) => ({ value: p, label: providerName(p) }))} />
        <Select
          name="connection"
          label="Connection"
          value={filters.connection}
          options={options.connections.map((c) => ({
            value: c.id,
            label: `${providerName(c.provider)} · ${c.accountName ?? "unnamed"}${viewer.role === "ADMIN" ? ` · ${c.owner}` : ""}`,
          }))}
        />
        {viewer.role === "ADMIN" && (
          <Select name="owner" label="Owner" value={filters.owner} options={owners.map((o) => ({ value: o.id, label: o.name ?? o.email }))} />
        )}
        <Select name="code" label="Error code" value={filters.code} options={options.codes.map((c) => ({ value: c, label: c }))} />
        <label className="flex flex-col text-xs font-medium text-slate-700">
          From
          <input type="date" name="from" min="1970-01-01" max="2999-12-31" defaultValue={filters.from} className={dateInput} />
        </label>
        <label className="flex flex-col text-xs font-medium text-slate-700">
          To
          <input type="date" name="to" min="1970-01-01" max="2999-12-31" defaultValue={filters.to} className={dateInput} />
        </label>
      </FilterForm>
      {/* Bulk retry takes the FAILED jobs of the filters: offered only where the list shows failed jobs. */}
      {viewer.role === "ADMIN" && (!filters.status || filters.status === "FAILED") && <BulkRetryButton filters={params} />}
      {jobs.length === 0 ? <EmptyState title="No sync jobs match">Change the filters or the date range.</EmptyState> : <SyncTable jobs={jobs} showConnection cancellable={viewer.role === "ADMIN"} />}
      <Pager
        page={page}
        pages={pages}
        total={total}
        capped={capped}
        noun={["sync job", "sync jobs"]}
        isFirst={!filters.cursor}
        firstHref={hrefWith("/syncs", params, {})}
        nextHref={nextCursor ? hrefWith("/syncs", params, { cursor: nextCursor }) : null}
      />
      {maintenance && <RetentionCard runs={maintenance} retentionDays={syncJobRetentionDays()} />}
    </div>
  );
}
