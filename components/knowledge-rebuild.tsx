"use client";
// An admin's "Rebuild knowledge" for one connection: start it, follow it (polled every 2 s while it is queued
// or running, like the running syncs), cancel it. The counts are the rebuild row's (lib/ingest/rebuild.ts).
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { cancelRebuildAction, rebuildConnectionAction } from "@/app/(app)/knowledge/actions";
import { useAction } from "@/components/action-feedback";
import type { RebuildView } from "@/lib/ingest/rebuild";
import { RelativeTime } from "./relative-time";
import { StatusBadge } from "./status-badge";

const active = (r: RebuildView | null | undefined) => r?.status === "PENDING" || r?.status === "RUNNING";
const BADGE: Record<RebuildView["status"], string> = { PENDING: "PENDING", RUNNING: "IN_PROGRESS", COMPLETED: "COMPLETED", FAILED: "FAILED", CANCELLED: "CANCELLED" };
const button = "rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-800 hover:bg-slate-100 disabled:opacity-50";

export function KnowledgeRebuild({ connectionId, initial, ledgerRecords }: { connectionId: string; initial: RebuildView | null; ledgerRecords: number }) {
  const router = useRouter();
  const { pending, run } = useAction();
  const [confirming, setConfirming] = useState(false);
  const queryKey = ["knowledge-rebuild", connectionId];
  const query = useQuery({
    queryKey,
    queryFn: async (): Promise<RebuildView | null> => {
      const res = await fetch(`/api/knowledge/rebuild?connectionId=${encodeURIComponent(connectionId)}`);
      if (!res.ok) throw new Error(`Could not load the rebuild (${res.status})`);
      return (await res.json()).rebuild;
    },
    initialData: initial,
    // A rebuild just started arrives with the page's refresh after the action (as `initial`).
    refetchInterval: (q) => (active(q.state.data) ? 2000 : false),
  });
  // Newer server data (after an action's refresh) replaces what polling knew.
  const queryClient = useQueryClient();
  const initialKey = initial ? `${initial.id}:${initial.status}:${initial.records}` : "none";
  useEffect(() => {
    queryClient.setQueryData(queryKey, initial);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- keyed by the row's id, status and count
  }, [initialKey]);

  const rebuild = query.data;
  const running = active(rebuild);
  // When one finishes, the page's server data (the graph's record count) is stale.
  const wasRunning = useRef(running);
  useEffect(() => {
    if (wasRunning.current && !running) router.refresh(); // the graph's record counts moved
    wasRunning.current = running;
  }, [running, router]);

  return (
    <div className="space-y-3 text-sm" data-testid="knowledge-rebuild">
      <p className="text-slate-700">
        Rebuilding reads every record of this connection again from Nango, not just the last sync&apos;s. Versions the graph already holds are skipped;
        missing or changed ones are written; records deleted upstream leave the graph.
      </p>
      {rebuild && (
        <div className="rounded-md border border-slate-200 bg-slate-50 p-3" aria-live="polite" data-testid="rebuild-progress" data-status={rebuild.status}>
          <div className="flex flex-wrap items-center gap-2">
            <StatusBadge status={BADGE[rebuild.status]} />
            <span className="font-medium">{rebuild.status === "PENDING" ? "Rebuild queued (it waits while another run writes this graph)" : running ? "Rebuild under way" : "Last rebuild"}</span>
            <span className="text-xs text-slate-600">
              started <RelativeTime date={rebuild.createdAt} />
              {rebuild.requestedBy ? ` by ${rebuild.requestedBy.replace(/ <.*>$/, "")}` : ""}
              {rebuild.finishedAt && (
                <>
                  , ended <RelativeTime date={rebuild.finishedAt} />
                </>
              )}
            </span>
          </div>
          <dl className="mt-2 grid grid-cols-3 gap-2 sm:grid-cols-6" data-testid="rebuild-counts">
            {(
              [
                ["Pages", rebuild.pages],
                ["Records read", rebuild.records],
                ["Written", rebuild.written],
                ["Skipped", rebuild.skipped],
                ["Deleted", rebuild.deleted],
                ["Failed", rebuild.failed],
              ] as const
            ).map(([label, n]) => (
              <div key={label} className="min-w-0">
                <dt className="text-xs text-slate-600">{label}</dt>
                <dd className={`font-semibold tabular-nums ${label === "Failed" && n > 0 ? "text-rose-800" : ""}`}>{n.toLocaleString("en-US")}</dd>
              </div>
            ))}
          </dl>
          {running && ledgerRecords > 0 && (
            <progress
              className="mt-2 h-2 w-full overflow-hidden rounded [&::-webkit-progress-bar]:bg-slate-200 [&::-webkit-progress-value]:bg-indigo-600"
              max={ledgerRecords}
              value={Math.min(rebuild.records, ledgerRecords)}
              aria-label="Records read, against the records the graph held when the page loaded"
            />
          )}
          {rebuild.error && <p className="mt-2 text-rose-800">{rebuild.error}</p>}
        </div>
      )}
      <div className="flex flex-wrap items-center gap-2">
        {running ? (
          <button type="button" className={button} disabled={pending} onClick={() => run(() => cancelRebuildAction(rebuild!.id))}>
            Cancel rebuild
          </button>
        ) : confirming ? (
          <span className="inline-flex flex-wrap items-center gap-2" role="group" aria-label="Confirm rebuild">
            <span>Read all records again from Nango?</span>
            <button
              type="button"
              className="rounded-md bg-indigo-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-800 disabled:opacity-50"
              disabled={pending}
              onClick={() => run(() => rebuildConnectionAction(connectionId), () => setConfirming(false))}
            >
              Rebuild
            </button>
            <button type="button" className={button} onClick={() => setConfirming(false)}>
              Keep
            </button>
          </span>
        ) : (
          <button type="button" className={button} onClick={() => setConfirming(true)}>
            Rebuild knowledge
          </button>
        )}
      </div>
    </div>
  );
}
