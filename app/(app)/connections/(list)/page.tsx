import Link from "next/link";
import { DataTable } from "@/components/data-table";
import { EmptyState } from "@/components/card";
import { ConnectPanel } from "@/components/connect/connect-panel";
import { FilterForm, Pager, Select, hrefWith } from "@/components/filter-form";
import { ProviderName, providerName } from "@/components/provider-name";
import { RelativeTime } from "@/components/relative-time";
import { StatusBadge } from "@/components/status-badge";
import { PausedBadge } from "@/components/paused-badge";
import { DownloadCsv } from "@/components/download-csv";
import { getViewer } from "@/lib/auth/viewer";
import { connectOptions, listConnections, ownerOptions, parseConnectionFilters } from "@/lib/dashboard/connections";
import { CONNECTION_STATUSES } from "@/lib/dashboard/overview";
import { ALL_PROVIDERS } from "@/lib/nango/providers";

export const metadata = { title: "Connections" };

const CONNECTION_COLUMNS = ["Provider", "Account", "Status", "Owner", "Last sync", "Created"].map((label) => ({ label }));

export default async function ConnectionsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const viewer = await getViewer();
  const filters = parseConnectionFilters(await searchParams);
  const [{ rows, nextCursor, page, pages, total }, owners, { projects }] = await Promise.all([
    listConnections(viewer, filters),
    ownerOptions(viewer),
    connectOptions(viewer),
  ]);
  const params = { provider: filters.provider, status: filters.status, owner: filters.owner, syncs: filters.syncs, q: filters.q, sort: filters.sort };
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h1 className="text-2xl font-semibold">{viewer.role === "ADMIN" ? "Connections" : "My connections"}</h1>
        <DownloadCsv path="/connections/export" filters={params} />
      </div>
      <ConnectPanel providers={ALL_PROVIDERS} projects={projects} />
      <FilterForm resetHref="/connections">
        <label className="flex flex-col text-xs font-medium text-slate-700">
          Search
          <input
            type="search"
            name="q"
            defaultValue={filters.q}
            placeholder={viewer.role === "ADMIN" ? "Owner name, email or account" : "Account name"}
            maxLength={200}
            className="mt-1 w-56 max-w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm"
          />
        </label>
        <Select name="provider" label="Provider" value={filters.provider} options={ALL_PROVIDERS.map((p) => ({ value: p, label: providerName(p) }))} />
        <Select name="status" label="Status" value={filters.status} options={CONNECTION_STATUSES.map((s) => ({ value: s, label: s.charAt(0) + s.slice(1).toLowerCase() }))} />
        <Select
          name="syncs"
          label="Syncs"
          value={filters.syncs}
          options={[
            { value: "never", label: "Never synced" },
            { value: "paused", label: "Paused" },
          ]}
        />
        {viewer.role === "ADMIN" && (
          <Select name="owner" label="Owner" value={filters.owner} options={owners.map((o) => ({ value: o.id, label: o.name ?? o.email }))} />
        )}
        <label className="flex flex-col text-xs font-medium text-slate-700">
          Sort by
          <select name="sort" defaultValue={filters.sort} className="mt-1 rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm">
            <option value="lastSync">Last sync (never synced first)</option>
            <option value="created">Created</option>
          </select>
        </label>
      </FilterForm>

      {rows.length === 0 ? (
        <EmptyState title="No connections match">Change the filters, or connect an account.</EmptyState>
      ) : (
        <DataTable testId="connections-table" minWidth={640} columns={CONNECTION_COLUMNS}>
          {rows.map((c) => (
            <tr key={c.id} className="border-t border-slate-100 hover:bg-slate-50" data-testid="connection-row">
              <td className="px-3 py-2" data-label="Provider">
                <ProviderName provider={c.provider} />
              </td>
              <td className="px-3 py-2" data-label="Account">
                <Link href={`/connections/${c.id}`} className="text-indigo-700 hover:underline">
                  {c.accountName ?? "(unnamed)"}
                </Link>
              </td>
              <td className="px-3 py-2" data-label="Status">
                <span className="inline-flex flex-wrap items-center gap-2">
                  <StatusBadge status={c.status} />
                  <PausedBadge metadata={c.metadata} />
                </span>
              </td>
              <td className="px-3 py-2" data-testid="owner" data-label="Owner">
                <div>
                  {c.user.name ?? c.user.email}
                  <span className="block text-xs text-slate-600">{c.user.email}</span>
                </div>
              </td>
              <td className="px-3 py-2" data-label="Last sync">
                <RelativeTime date={c.lastSyncAt} />
              </td>
              <td className="px-3 py-2" data-label="Created">
                <RelativeTime date={c.createdAt} />
              </td>
            </tr>
          ))}
        </DataTable>
      )}
      <Pager
        page={page}
        pages={pages}
        total={total}
        noun={["connection", "connections"]}
        isFirst={!filters.cursor}
        firstHref={hrefWith("/connections", params, {})}
        nextHref={nextCursor ? hrefWith("/connections", params, { cursor: nextCursor }) : null}
      />
    </div>
  );
}
