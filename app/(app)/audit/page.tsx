import { DataTable } from "@/components/data-table";
import { EmptyState } from "@/components/card";
import { FilterForm, Pager, Select, hrefWith } from "@/components/filter-form";
import { RelativeTime } from "@/components/relative-time";
import { getAdmin } from "@/lib/auth/viewer";
import { loadAuditLog, parseAuditFilters } from "@/lib/audit/log";
import { AUDIT_ACTIONS } from "@/lib/audit/record";

export const metadata = { title: "Audit log" };

const COLUMNS = ["When", "Who", "Action", "Target", "Change"].map((label) => ({ label }));
const TARGETS = ["connection", "syncJob", "user", "project", "alertChannel", "alertSettings"];

/** A JSON value in one line, for before/after columns. */
const show = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));

export default async function AuditPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const viewer = await getAdmin();
  const filters = parseAuditFilters(await searchParams);
  const { events, nextCursor, actors } = await loadAuditLog(viewer, filters);
  const params = { action: filters.action, actor: filters.actor, targetType: filters.targetType, from: filters.from, to: filters.to };
  return (
    <div className="space-y-4">
      <div>
        <h1 className="text-2xl font-semibold">Audit log</h1>
        <p className="text-sm text-slate-600">Every change made in your organization, by a person or by Atlas itself, newest first. Entries are never edited or removed.</p>
      </div>
      <FilterForm resetHref="/audit">
        <Select name="action" label="Action" value={filters.action} options={AUDIT_ACTIONS.map((a) => ({ value: a, label: a }))} />
        <Select name="actor" label="Who" value={filters.actor} options={[{ value: "atlas", label: "Atlas (automatic)" }, ...actors.map((a) => ({ value: a.id, label: a.label }))]} />
        <Select name="targetType" label="Target" value={filters.targetType} options={TARGETS.map((t) => ({ value: t, label: t }))} />
        <label className="flex flex-col text-xs font-medium text-slate-700">
          From
          <input type="date" name="from" defaultValue={filters.from} className="mt-1 rounded-md border border-slate-300 px-2 py-1 text-sm" />
        </label>
        <label className="flex flex-col text-xs font-medium text-slate-700">
          To
          <input type="date" name="to" defaultValue={filters.to} className="mt-1 rounded-md border border-slate-300 px-2 py-1 text-sm" />
        </label>
      </FilterForm>
      {events.length === 0 ? (
        <EmptyState title="No events match">Changes appear here as people and Atlas make them.</EmptyState>
      ) : (
        <DataTable testId="audit-table" minWidth={760} columns={COLUMNS}>
          {events.map((e) => (
            <tr key={e.id} className="border-t border-slate-100 align-top" data-testid="audit-row">
              <td className="whitespace-nowrap px-3 py-2">
                <RelativeTime date={e.at} />
              </td>
              <td className="px-3 py-2" data-testid="audit-actor">
                {e.actorLabel}
              </td>
              <td className="px-3 py-2 font-mono text-xs" data-testid="audit-action">
                {e.action}
              </td>
              <td className="px-3 py-2">
                <span className="block">{e.targetLabel ?? e.targetId ?? "—"}</span>
                <span className="block text-xs text-slate-600">{e.targetType}</span>
              </td>
              <td className="max-w-md px-3 py-2 text-xs">
                {show(e.before) && <span className="block break-all text-slate-600">before {show(e.before)}</span>}
                {show(e.after) && <span className="block break-all">after {show(e.after)}</span>}
                {show(e.details) && <span className="block break-all text-slate-600">{show(e.details)}</span>}
                {e.requestId && <span className="block font-mono text-[10px] text-slate-500">request {e.requestId}</span>}
              </td>
            </tr>
          ))}
        </DataTable>
      )}
      <Pager isFirst={!filters.cursor} firstHref={hrefWith("/audit", params, {})} nextHref={nextCursor ? hrefWith("/audit", params, { cursor: nextCursor }) : null} />
    </div>
  );
}
