import Link from "next/link";
import { DataTable, type Column } from "./data-table";
import { ProviderName } from "./provider-name";
import { Duration, RelativeTime } from "./relative-time";
import { StatusBadge } from "./status-badge";
import { RetryButton } from "./connect/retry-button";
import { CancelSyncButton } from "./cancel-sync-button";
import type { ErrorEntry } from "@/lib/data/error-entry";

type Job = {
  id: string;
  status: string;
  recordsProcessed: number;
  recordsReported?: number | null;
  /** Ingestion can resume it (lib/ingest/sync-job isResumable): a FAILED one may be retried. */
  resumable?: boolean;
  /** Running without progress for a while (lib/ops/stalled.ts). */
  stalled?: boolean;
  startedAt: Date;
  completedAt: Date | null;
  errors: ErrorEntry[];
  connection?: { id: string; provider: string; user: { name: string | null; email: string } };
};

/** Sync jobs with every entry of their `errors`. `showConnection` for organization-wide history. */
export function SyncTable({ jobs, showConnection = false, retryable = false, cancellable = false }: { jobs: Job[]; showConnection?: boolean; retryable?: boolean; cancellable?: boolean }) {
  const columns: Column[] = [
    { label: "Status" },
    ...(showConnection ? [{ label: "Connection" }] : []),
    { label: "Started" },
    { label: "Duration" },
    {
      label: (
        <>
          Records <span className="block text-xs font-normal">in graph / from Nango</span>
        </>
      ),
      align: "right",
    },
    { label: "Errors" },
  ];
  return (
    <DataTable testId="sync-table" minWidth={640} columns={columns}>
      {jobs.map((job) => (
        <tr key={job.id} className="border-t border-slate-100 align-top" data-testid="sync-row">
          <td className="px-3 py-2" data-label="Status">
            <span className="flex flex-col items-start gap-1">
              <StatusBadge status={job.status} />
              {retryable && job.status === "FAILED" && job.resumable && <RetryButton syncJobId={job.id} />}
              {job.stalled && <StatusBadge status="STALLED" />}
              {cancellable && (job.status === "PENDING" || job.status === "IN_PROGRESS") && <CancelSyncButton syncJobId={job.id} />}
            </span>
          </td>
          {showConnection && job.connection && (
            <td className="px-3 py-2" data-label="Connection">
              <div>
                <Link href={`/connections/${job.connection.id}`} className="hover:underline">
                  <ProviderName provider={job.connection.provider} />
                </Link>
                <span className="block text-xs text-slate-600">{job.connection.user.name ?? job.connection.user.email}</span>
              </div>
            </td>
          )}
          <td className="px-3 py-2" data-label="Started">
            <RelativeTime date={job.startedAt} />
          </td>
          <td className="px-3 py-2" data-label="Duration">
            <Duration from={job.startedAt} to={job.completedAt} />
          </td>
          <td className="px-3 py-2 text-right tabular-nums" data-testid="sync-records" data-label="Records">
            <RecordCounts processed={job.recordsProcessed} reported={job.recordsReported ?? null} finished={job.status === "COMPLETED" || job.status === "FAILED"} />
          </td>
          <td className="px-3 py-2" data-label="Errors">
            {job.errors.length === 0 ? (
              <span className="text-slate-500">—</span>
            ) : (
              <ul className="space-y-1" data-testid="sync-errors">
                {job.errors.map((e, i) => (
                  <li key={i} className="text-xs">
                    <span className="font-medium text-rose-800">{e.code}</span> {e.message}
                    {e.repository && <span className="text-slate-600"> · repository {e.repository}</span>}
                    {e.retryAfter !== undefined && <span className="text-slate-600"> · retry after {e.retryAfter}s</span>}
                    {e.timestamp && (
                      <span className="text-slate-600">
                        {" "}
                        · <RelativeTime date={e.timestamp} />
                      </span>
                    )}
                  </li>
                ))}
              </ul>
            )}
          </td>
        </tr>
      ))}
    </DataTable>
  );
}

/** What reached the graph against what Nango synced; a finished job where they differ is flagged. */
export function RecordCounts({ processed, reported, finished }: { processed: number; reported: number | null; finished: boolean }) {
  if (reported === null) return <>{processed.toLocaleString("en-US")}</>;
  const differs = finished && processed !== reported;
  return (
    <span className={differs ? "font-medium text-amber-800" : undefined}>
      {processed.toLocaleString("en-US")} / {reported.toLocaleString("en-US")}
      {differs && (
        <span className="block text-xs font-normal">
          {Math.abs(reported - processed).toLocaleString("en-US")} {reported > processed ? "not in the graph" : "more than Nango reported"}
        </span>
      )}
    </span>
  );
}
