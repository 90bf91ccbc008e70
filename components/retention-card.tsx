import { Card } from "@/components/card";
import { RelativeTime } from "@/components/relative-time";
import type { MaintenanceRunSummary } from "@/lib/maintenance/retention";

const TASKS: Record<string, string> = {
  "purge-sync-jobs": "Sync jobs older than the retention period (never a connection's latest)",
  "purge-expired-sessions": "Expired Nango connect sessions",
  "purge-webhook-log": "Webhook log entries older than the log's retention period",
  "recover-sync-jobs": "Sync jobs left running by a stopped worker, put back on the queue",
};

/** The seed's "Data Retention", as run by the scheduled maintenance jobs: when each last ran and what it removed. */
export function RetentionCard({ runs, retentionDays }: { runs: MaintenanceRunSummary[]; retentionDays: number }) {
  const tasks = [...new Set([...Object.keys(TASKS), ...runs.map((r) => r.task)])];
  return (
    <Card title="Data retention">
      <p className="mb-2 text-sm text-slate-600">Runs daily. Sync jobs are kept {retentionDays} days.</p>
      <ul className="divide-y divide-slate-100 text-sm" data-testid="retention-runs">
        {tasks.map((task) => {
          const run = runs.find((r) => r.task === task);
          return (
            <li key={task} className="flex flex-wrap justify-between gap-2 py-1.5">
              <span>{TASKS[task] ?? task}</span>
              {run ? (
                <span className={run.error ? "text-rose-800" : "text-slate-700"}>
                  <RelativeTime date={run.startedAt} />:{" "}
                  {run.error ? `failed (${run.error})` : (run.summary ?? `${run.rowsRemoved.toLocaleString("en-US")} ${run.task === "recover-sync-jobs" ? "recovered" : "removed"}`)}
                </span>
              ) : (
                <span className="text-slate-600">not run yet</span>
              )}
            </li>
          );
        })}
      </ul>
    </Card>
  );
}
