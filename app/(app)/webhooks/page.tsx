import Link from "next/link";
import { DataTable } from "@/components/data-table";
import { Card, EmptyState, Stat } from "@/components/card";
import { FilterForm, Pager, Select, hrefWith } from "@/components/filter-form";
import { ProviderName } from "@/components/provider-name";
import { RelativeTime } from "@/components/relative-time";
import { StatusBadge } from "@/components/status-badge";
import { getAdmin } from "@/lib/auth/viewer";
import { listWebhookDeliveries, parseWebhookFilters } from "@/lib/dashboard/webhooks";

export const metadata = { title: "Webhooks" };

const WEBHOOK_COLUMNS = ["Received", "Type", "Connection", "Outcome", "What and why"].map((label) => ({ label }));

export default async function WebhooksPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const viewer = await getAdmin();
  const filters = parseWebhookFilters(await searchParams);
  const { rows, nextCursor, counts, unattributed, forged } = await listWebhookDeliveries(viewer, filters);
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold">Webhooks from Nango</h1>
        <p className="text-sm text-slate-600">Every delivery about your organization&apos;s connections, newest first, and what Atlas did with it.</p>
      </div>
      <div className="grid grid-cols-2 gap-3 sm:grid-cols-6">
        <Stat label="Waiting" value={counts.RECEIVED} />
        <Stat label="Applied" value={counts.APPLIED} tone="emerald" />
        <Stat label="Duplicates" value={counts.DUPLICATE} />
        <Stat label="Ignored" value={counts.IGNORED} />
        <Stat label="Rejected" value={counts.REJECTED} tone={counts.REJECTED ? "rose" : "slate"} />
        <Stat label="Refused unsigned or forged" value={forged.total} tone={forged.total ? "rose" : "slate"} />
      </div>
      <FilterForm resetHref="/webhooks">
        <Select
          name="outcome"
          label="Outcome"
          value={filters.outcome}
          options={["RECEIVED", "APPLIED", "DUPLICATE", "IGNORED", "REJECTED"].map((o) => ({ value: o, label: o === "RECEIVED" ? "Waiting" : o.charAt(0) + o.slice(1).toLowerCase() }))}
        />
      </FilterForm>
      {rows.length === 0 ? (
        <EmptyState title="No webhooks yet">Nango posts here after a connection is authorized and after every sync.</EmptyState>
      ) : (
        <DataTable testId="webhooks-table" minWidth={720} columns={WEBHOOK_COLUMNS}>
          {rows.map((r) => (
            <tr key={r.id} className="border-t border-slate-100 align-top" data-testid="webhook-row">
              <td className="whitespace-nowrap px-3 py-2">
                <Link href={`/webhooks/${r.id}`} className="text-indigo-700 hover:underline" title="Open the payload">
                  <RelativeTime date={r.receivedAt} />
                </Link>
              </td>
              <td className="px-3 py-2 font-mono text-xs">{r.type ?? "—"}</td>
              <td className="px-3 py-2">
                {r.connection ? (
                  <Link href={`/connections/${r.connection.id}`} className="text-indigo-700 hover:underline">
                    <ProviderName provider={r.connection.provider} /> {r.connection.accountName ?? ""}
                  </Link>
                ) : (
                  <span className="text-slate-600">
                    {r.connectionId ? "Not (or no longer) in Atlas" : "—"}
                    {r.connectionId && <span className="block break-all font-mono text-xs">{r.connectionId}</span>}
                  </span>
                )}
              </td>
              <td className="px-3 py-2">
                <StatusBadge status={r.outcome} />
              </td>
              <td className="px-3 py-2">
                {r.summary && <span className="block">{r.summary}</span>}
                {r.reason && <span className="block text-slate-600">{r.reason}</span>}
                {r.outcome === "RECEIVED" && r.attempts > 0 && (
                  <span className="block text-rose-800">
                    {r.attempts} failed attempt{r.attempts === 1 ? "" : "s"}, retried automatically{r.lastError ? `: ${r.lastError.split("\n").at(-1)}` : ""}
                  </span>
                )}
                {r.replayOf && <span className="block text-xs text-slate-500">replay of an earlier delivery</span>}
              </td>
            </tr>
          ))}
        </DataTable>
      )}
      <Pager
        isFirst={!filters.cursor}
        firstHref={hrefWith("/webhooks", { outcome: filters.outcome }, {})}
        nextHref={nextCursor ? hrefWith("/webhooks", { outcome: filters.outcome }, { cursor: nextCursor }) : null}
      />
      {forged.total > 0 && (
        <Card title="Refused at the door (not stored)">
          <p className="mb-2 text-sm text-slate-600" data-testid="forged-count">
            Since <RelativeTime date={forged.since} /> this server refused {forged.counts.unsigned} unsigned, {forged.counts.bad_signature} wrongly signed and{" "}
            {forged.counts.oversized} oversized requests, and answered {forged.counts.rate_limited} with 429 (too many from one address). Several in a
            row from Nango usually mean <code>NANGO_WEBHOOK_SIGNING_KEY</code> does not match the Nango environment.
          </p>
        </Card>
      )}
      {unattributed.length > 0 && (
        <Card title="Signed, but not a JSON object">
          <p className="mb-2 text-sm text-slate-600">Correctly signed deliveries whose body could not be read as a JSON object; not something Nango sends.</p>
          <ul className="space-y-1 text-sm" data-testid="unattributed-rejections">
            {unattributed.map((r) => (
              <li key={r.id}>
                <RelativeTime date={r.receivedAt} />: {r.reason}
              </li>
            ))}
          </ul>
        </Card>
      )}
    </div>
  );
}
