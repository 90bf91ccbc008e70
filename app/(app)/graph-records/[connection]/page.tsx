import Link from "next/link";
import { notFound } from "next/navigation";
import { DataTable } from "@/components/data-table";
import { EmptyState } from "@/components/card";
import { Pager, hrefWith } from "@/components/filter-form";
import { RelativeTime } from "@/components/relative-time";
import { getViewer } from "@/lib/auth/viewer";
import { NotFoundError } from "@/lib/errors";
import { listGraphRecords } from "@/lib/ingest/graph-records";

export const metadata = { title: "Records in the graph" };

const COLUMNS = ["Record", "Version", "Status", "Episodes", "Written"].map((label) => ({ label }));
const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v)?.trim() || undefined;

export default async function GraphRecordsPage({
  params,
  searchParams,
}: {
  params: Promise<{ connection: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const viewer = await getViewer();
  const { connection } = await params;
  const sp = await searchParams;
  const q = one(sp.q)?.slice(0, 200);
  const cursor = one(sp.cursor);
  const data = await listGraphRecords(viewer, connection, { q, cursor }).catch((err: unknown) => {
    if (err instanceof NotFoundError) notFound();
    throw err;
  });
  const base = `/graph-records/${connection}`;
  return (
    <div className="space-y-4">
      <div>
        <Link href={`/connections/${connection}`} className="text-sm text-indigo-700 hover:underline">
          ← Connection
        </Link>
        <h1 className="text-2xl font-semibold">Records in the graph</h1>
        <p className="text-sm text-slate-600" data-testid="graph-record-counts">
          {Object.entries(data.counts).map(([status, n]) => `${n} ${status.toLowerCase()}`).join(", ") || "Nothing written yet."}
        </p>
      </div>
      <form className="flex gap-2" role="search">
        <input type="search" name="q" defaultValue={q} placeholder="Title or record id" aria-label="Find a record" className="rounded-md border border-slate-300 px-2 py-1.5 text-sm" />
        <button className="rounded-md bg-indigo-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-800">Find</button>
      </form>
      {data.rows.length === 0 ? (
        <EmptyState title="No records">Records appear here once a sync has written them to the knowledge graph.</EmptyState>
      ) : (
        <DataTable testId="graph-records" minWidth={720} columns={COLUMNS}>
          {data.rows.map((r) => (
            <tr key={r.id} className="border-t border-slate-100 align-top" data-testid="graph-record">
              <td className="px-3 py-2">
                <span className="block font-medium">{r.url ? <a href={r.url} target="_blank" rel="noreferrer" className="text-indigo-700 hover:underline">{r.title ?? r.recordId}</a> : (r.title ?? r.recordId)}</span>
                <span className="block text-xs text-slate-600">
                  {r.model} {r.recordId}
                </span>
              </td>
              <td className="px-3 py-2 font-mono text-xs">{r.version}</td>
              <td className="px-3 py-2 text-xs">
                {r.status}
                {r.error && <span className="block text-rose-800">{r.error}</span>}
              </td>
              <td className="px-3 py-2">{r.episodes}</td>
              <td className="whitespace-nowrap px-3 py-2">
                <RelativeTime date={r.writtenAt} />
              </td>
            </tr>
          ))}
        </DataTable>
      )}
      <Pager isFirst={!cursor} firstHref={hrefWith(base, { q }, {})} nextHref={data.nextCursor ? hrefWith(base, { q }, { cursor: data.nextCursor }) : null} />
    </div>
  );
}
