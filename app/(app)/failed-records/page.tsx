import { DataTable } from "@/components/data-table";
import { EmptyState } from "@/components/card";
import { FilterForm, Pager, Select, hrefWith } from "@/components/filter-form";
import { ProviderName } from "@/components/provider-name";
import { RelativeTime } from "@/components/relative-time";
import { RetryFailedForm } from "@/components/retry-failed-form";
import { getAdmin } from "@/lib/auth/viewer";
import { listFailedRecords } from "@/lib/ingest/failed-records";
import { ALL_PROVIDERS } from "@/lib/nango/providers";

export const metadata = { title: "Failed records" };

const COLUMNS = ["", "Record", "Connection", "Error", "When"].map((label) => ({ label }));
const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v)?.trim() || undefined;
const day = (v: string | undefined) => (v && /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v)) ? v : undefined);

export default async function FailedRecordsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const viewer = await getAdmin();
  const sp = await searchParams;
  const params = {
    provider: one(sp.provider)?.toLowerCase(),
    connection: one(sp.connection),
    errorCode: one(sp.errorCode),
    since: day(one(sp.since)),
    until: day(one(sp.until)),
    uncertain: one(sp.uncertain) === "1" ? "1" : undefined,
  };
  const cursor = one(sp.cursor);
  const { rows, nextCursor, total, errorCodes } = await listFailedRecords(viewer, { ...params, uncertain: params.uncertain === "1", ...(params.until ? { until: `${params.until}T23:59:59.999Z` } : {}), cursor });
  return (
    <div className="space-y-4">
      <div>
        <h1 className="text-2xl font-semibold">Failed records</h1>
        <p className="text-sm text-slate-600">
          Records Zep refused (or that could not be read), across every connection. Their syncs completed without them; retrying reads them again from Nango. {total} in all.
        </p>
      </div>
      <FilterForm resetHref="/failed-records">
        <Select name="uncertain" label="Show" value={params.uncertain} options={[{ value: "1", label: "Sent again after a lost answer (maybe duplicated)" }]} />
        <Select name="provider" label="Provider" value={params.provider} options={ALL_PROVIDERS.map((p) => ({ value: p.toLowerCase(), label: p.charAt(0) + p.slice(1).toLowerCase() }))} />
        <label className="flex flex-col text-xs font-medium text-slate-700">
          Connection id
          <input name="connection" defaultValue={params.connection} className="mt-1 rounded-md border border-slate-300 px-2 py-1 text-sm" />
        </label>
        <Select name="errorCode" label="Error code" value={params.errorCode} options={errorCodes.map((c) => ({ value: c.code, label: `${c.code} (${c.count})` }))} />
        <label className="flex flex-col text-xs font-medium text-slate-700">
          Since
          <input type="date" name="since" defaultValue={params.since} className="mt-1 rounded-md border border-slate-300 px-2 py-1 text-sm" />
        </label>
        <label className="flex flex-col text-xs font-medium text-slate-700">
          Until
          <input type="date" name="until" defaultValue={params.until} className="mt-1 rounded-md border border-slate-300 px-2 py-1 text-sm" />
        </label>
      </FilterForm>
      {rows.length === 0 ? (
        <EmptyState title="No failed records">Every record of every sync reached the knowledge graph.</EmptyState>
      ) : (
        <RetryFailedForm filters={params}>
          <DataTable testId="failed-records" minWidth={760} columns={COLUMNS}>
            {rows.map((r) => (
              <tr key={r.id} className="border-t border-slate-100 align-top" data-testid="failed-record">
                <td className="px-3 py-2">
                  <input type="checkbox" name={`id_${r.id}`} aria-label={`Select ${r.title ?? r.recordId}`} />
                </td>
                <td className="px-3 py-2">
                  <span className="block font-medium">{r.url ? <a href={r.url} target="_blank" rel="noreferrer" className="text-indigo-700 hover:underline">{r.title ?? r.recordId}</a> : (r.title ?? r.recordId)}</span>
                  <span className="block text-xs text-slate-600">
                    {r.model} {r.recordId} · project {r.projectKey}
                  </span>
                </td>
                <td className="px-3 py-2">
                  <ProviderName provider={r.provider.toUpperCase()} />
                  <span className="block text-xs text-slate-600">{r.connection ? (r.connection.accountName ?? r.connectionId) : `${r.connectionId} (disconnected)`}</span>
                </td>
                <td className="max-w-md px-3 py-2 text-xs">
                  <span className="block font-mono">{r.errorCode ?? "—"}</span>
                  <span className="block break-words text-slate-700">{r.error}</span>
                </td>
                <td className="whitespace-nowrap px-3 py-2">
                  <RelativeTime date={r.updatedAt} />
                </td>
              </tr>
            ))}
          </DataTable>
        </RetryFailedForm>
      )}
      <Pager isFirst={!cursor} firstHref={hrefWith("/failed-records", params, {})} nextHref={nextCursor ? hrefWith("/failed-records", params, { cursor: nextCursor }) : null} />
    </div>
  );
}
