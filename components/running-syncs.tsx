"use client";
// Live view of running syncs: polls the running-syncs route every 2 s while something runs and stops
// when nothing does. When a job finishes, the server-rendered page around it is refreshed.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useMemo, useRef, useState } from "react";
import { SYNC_REQUESTED_EVENT } from "./connect/events";
import { providerName } from "./provider-name";
import { StatusBadge } from "./status-badge";

type Running = { id: string; status: string; recordsProcessed: number; recordsReported?: number | null; startedAt: string; stalled?: boolean; connection: { id: string; provider: string } };

/** After "sync now", how long to keep polling while the job has not shown up yet (Nango answers by webhook). */
const WATCH_AFTER_REQUEST_MS = 60_000;
/** At most one page refresh per this long when jobs finish. */
const MIN_REFRESH_GAP_MS = 5_000;

export function RunningSyncs({ initial, connectionId }: { initial: Running[]; connectionId?: string }) {
  const router = useRouter();
  const [watchUntil, setWatchUntil] = useState(0);
  useEffect(() => {
    const watch = () => setWatchUntil(Date.now() + WATCH_AFTER_REQUEST_MS);
    window.addEventListener(SYNC_REQUESTED_EVENT, watch);
    return () => window.removeEventListener(SYNC_REQUESTED_EVENT, watch);
  }, []);
  const queryKey = ["running-syncs", connectionId ?? "all"];
  const query = useQuery({
    queryKey,
    queryFn: async (): Promise<Running[]> => {
      const res = await fetch(`/api/syncs/running${connectionId ? `?connectionId=${encodeURIComponent(connectionId)}` : ""}`);
      if (!res.ok) throw new Error(`Could not load running syncs (${res.status})`);
      return (await res.json()).running;
    },
    initialData: initial,
    refetchInterval: (q) => ((q.state.data?.length ?? 0) > 0 || Date.now() < watchUntil ? 2000 : false),
  });
  // A re-render of the page (router.refresh) brings newer server data: it replaces what polling knew.
  const queryClient = useQueryClient();
  const initialIds = initial.map((r) => `${r.id}:${r.status}:${r.recordsProcessed}`).join(",");
  useEffect(() => {
    queryClient.setQueryData(queryKey, initial);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- keyed by the rows' ids and states: a new array with the same rows changes nothing
  }, [initialIds]);

  const running = useMemo(() => query.data ?? [], [query.data]);
  // A job finished since the last look: the server-rendered history around us is stale. Refreshes are
  // spaced out, so a busy organization's backlog does not re-render the whole page every poll.
  const seen = useRef(new Set(initial.map((r) => r.id)));
  const lastRefresh = useRef(0);
  const refreshTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => {
    const now = new Set(running.map((r) => r.id));
    const finished = [...seen.current].some((id) => !now.has(id));
    seen.current = now;
    if (!finished || refreshTimer.current) return;
    refreshTimer.current = setTimeout(
      () => {
        refreshTimer.current = null;
        lastRefresh.current = Date.now();
        router.refresh();
      },
      Math.max(0, lastRefresh.current + MIN_REFRESH_GAP_MS - Date.now()),
    );
  }, [running, router]);
  useEffect(() => () => void (refreshTimer.current && clearTimeout(refreshTimer.current)), []);

  if (running.length === 0) return <p className="text-sm text-slate-600">No sync is running.</p>;
  return (
    <ul className="divide-y divide-slate-200 text-sm" aria-live="polite" data-testid="running-syncs">
      {running.map((job) => (
        <li key={job.id} className="flex flex-wrap items-center gap-3 py-2">
          <StatusBadge status={job.status} />
          {job.stalled && (
            <Link href="/syncs?status=STALLED" title="No progress for a while: cancel or retry it in Sync history">
              <StatusBadge status="STALLED" />
            </Link>
          )}
          <Link className="font-medium text-indigo-700 hover:underline" href={`/connections/${job.connection.id}`}>
            {providerName(job.connection.provider)}
          </Link>
          <span className="text-slate-700" data-testid="running-records">
            {job.recordsProcessed.toLocaleString()}
            {job.recordsReported ? ` of ${job.recordsReported.toLocaleString()}` : ""} records in the graph so far
          </span>
          {job.recordsReported ? (
            <progress
              className="h-2 w-40 overflow-hidden rounded [&::-webkit-progress-bar]:bg-slate-200 [&::-webkit-progress-value]:bg-indigo-600"
              max={job.recordsReported}
              value={Math.min(job.recordsProcessed, job.recordsReported)}
              aria-label={`${providerName(job.connection.provider)} sync progress`}
            />
          ) : null}
        </li>
      ))}
    </ul>
  );
}
