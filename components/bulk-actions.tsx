"use client";
// Admins' bulk actions: retry every failed job matching the sync-history filters (asks first, in the page),
// and reconnect links for every expired connection of a provider (copy, or email each owner).
import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { bulkRetryAction, reconnectLinksAction } from "@/app/(app)/syncs/actions";
import type { ReconnectLink } from "@/lib/ops/bulk";

const button = "rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium hover:bg-slate-100 disabled:opacity-50";

function Status({ message }: { message: { ok: boolean; text: string } | null }) {
  if (!message) return null;
  return (
    <p role={message.ok ? "status" : "alert"} className={`text-sm ${message.ok ? "text-emerald-800" : "text-rose-800"}`}>
      {message.text}
    </p>
  );
}

export function BulkRetryButton({ filters }: { filters: Record<string, string | undefined> }) {
  const router = useRouter();
  const [pending, start] = useTransition();
  const [asking, setAsking] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const params = Object.fromEntries(Object.entries(filters).filter((e): e is [string, string] => Boolean(e[1])));
  return (
    <div className="space-y-1" data-testid="bulk-retry">
      {asking ? (
        <div className="flex flex-wrap items-center gap-2" role="group" aria-label="Confirm bulk retry">
          <span className="text-sm">Retry every failed job matching these filters?</span>
          <button
            type="button"
            disabled={pending}
            className={`${button} border-indigo-300 text-indigo-800`}
            onClick={() =>
              start(async () => {
                const r = await bulkRetryAction(params);
                setMessage({ ok: r.ok, text: r.message });
                setAsking(false);
                router.refresh();
              })
            }
          >
            Yes, retry them
          </button>
          <button type="button" className={button} onClick={() => setAsking(false)}>
            Cancel
          </button>
        </div>
      ) : (
        <button type="button" className={button} onClick={() => setAsking(true)}>
          Retry all failed jobs matching the filters
        </button>
      )}
      <Status message={message} />
    </div>
  );
}

export function ReconnectLinksForm({ providers, smtp }: { providers: { value: string; label: string }[]; smtp: boolean }) {
  const [pending, start] = useTransition();
  const [provider, setProvider] = useState(providers[0]?.value ?? "");
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [links, setLinks] = useState<ReconnectLink[]>([]);
  const run = (email: boolean) =>
    start(async () => {
      const r = await reconnectLinksAction({ provider: provider as never, email });
      setMessage({ ok: r.ok, text: r.message });
      setLinks(r.ok ? r.links : []);
    });
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
      <Status message={message} />
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
