"use client";
// Admins' bulk actions: retry every failed job matching the sync-history filters (asks first), and
// reconnect links for every expired connection of a provider (copy, or email each owner).
import { useState } from "react";
import { bulkRetryAction, reconnectLinksAction } from "@/app/(app)/syncs/actions";
import { useAction } from "@/components/action-feedback";
import { ConfirmButton } from "@/components/confirm-dialog";
import type { ReconnectLink } from "@/lib/ops/bulk";

const button = "rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium hover:bg-slate-100 disabled:opacity-50";

export function BulkRetryButton({ filters }: { filters: Record<string, string | undefined> }) {
  const { pending, run } = useAction();
  const params = Object.fromEntries(Object.entries(filters).filter((e): e is [string, string] => Boolean(e[1])));
  return (
    <div data-testid="bulk-retry">
      <ConfirmButton
        label="Retry all failed jobs matching the filters"
        className={button}
        disabled={pending}
        title="Retry every failed job matching these filters?"
        confirmLabel="Retry failed jobs"
        destructive={false}
        onConfirm={() => run(() => bulkRetryAction(params))}
      >
        <p>Each one goes back on the queue and resumes where it stopped. Jobs that failed in Nango before any records reached Atlas are left alone.</p>
      </ConfirmButton>
    </div>
  );
}

export function ReconnectLinksForm({ providers, smtp }: { providers: { value: string; label: string }[]; smtp: boolean }) {
  const { pending, run: runAction } = useAction();
  const [provider, setProvider] = useState(providers[0]?.value ?? "");
  const [links, setLinks] = useState<ReconnectLink[]>([]);
  const run = (email: boolean) => {
    setLinks([]);
    runAction(() => reconnectLinksAction({ provider: provider as never, email }), (r) => setLinks(r.links));
  };
  return (
    <div className="space-y-2" data-testid="reconnect-links">
      <div className="flex flex-wrap items-end gap-2">
        <label className="flex flex-col text-xs font-medium text-slate-700">
          Provider
          <select value={provider} onChange={(e) => setProvider(e.target.value)} className="mt-1 rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm">
            {providers.map((p) => (
              <option key={p.value} value={p.value}>
                {p.label}
              </option>
            ))}
          </select>
        </label>
        <button type="button" disabled={pending} className={button} onClick={() => run(false)}>
          Make links to copy
        </button>
        {smtp && (
          <button type="button" disabled={pending} className={button} onClick={() => run(true)}>
            Email each owner
          </button>
        )}
      </div>
      {links.length > 0 && (
        <textarea
          readOnly
          rows={Math.min(10, links.length + 1)}
          className="w-full rounded-md border border-slate-300 p-2 font-mono text-xs"
          aria-label="Reconnect links"
          value={links.map((l) => `${l.owner.email}\t${l.accountName ?? "account"}\t${l.link}`).join("\n")}
        />
      )}
    </div>
  );
}
