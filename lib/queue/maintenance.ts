// The maintenance queue's job body: retention and recovery tasks.
import "server-only";
import { MAINTENANCE_TASKS, purgeExpiredSessions, purgeOldSyncJobs, purgeWebhookLog, recordMaintenanceRun, type MaintenanceTask } from "@/lib/maintenance/retention";
import { recoverStaleSyncJobsReport } from "./recovery";

/** Runs one maintenance task now (the scheduled job's body; also callable from scripts and tests). */
export async function runMaintenanceTask(task: MaintenanceTask, opts: { organizationId?: string } = {}) {
  switch (task) {
    case MAINTENANCE_TASKS.purgeSyncJobs: {
      // The daily retention job: sync jobs, then sessions (each its own MaintenanceRun); one failing does
      // not skip the other, and the job fails (and is retried) if either did.
      const [jobs, sessions, webhooks] = await Promise.allSettled([
        purgeOldSyncJobs({ organizationId: opts.organizationId }),
        purgeExpiredSessions({ organizationId: opts.organizationId }),
        purgeWebhookLog({ organizationId: opts.organizationId }),
      ]);
      for (const r of [jobs, sessions, webhooks]) if (r.status === "rejected") throw r.reason;
      return { jobs: (jobs as PromiseFulfilledResult<unknown>).value, sessions: (sessions as PromiseFulfilledResult<unknown>).value };
    }
    case MAINTENANCE_TASKS.purgeSessions:
      return purgeExpiredSessions({ organizationId: opts.organizationId });
    case MAINTENANCE_TASKS.purgeWebhookLog:
      return purgeWebhookLog({ organizationId: opts.organizationId });
    case MAINTENANCE_TASKS.recoverSyncJobs:
      return recordMaintenanceRun(MAINTENANCE_TASKS.recoverSyncJobs, async () => {
        const { resent, failed } = await recoverStaleSyncJobsReport({ organizationId: opts.organizationId });
        return { rows: resent + failed, summary: recoverySummary(resent, failed) };
      });
  }
}

const jobs = (n: number) => `${n} sync job${n === 1 ? "" : "s"}`;

/** The recovery run in words, for the admin's card. */
export function recoverySummary(resent: number, failed: number): string {
  if (resent === 0 && failed === 0) return "Nothing to recover: every running sync job had a live queue job.";
  const parts = [];
  if (resent) parts.push(`put ${jobs(resent)} whose worker was lost back on the queue (they resume from their cursor)`);
  if (failed) parts.push(`marked ${jobs(failed)} FAILED (WORKER_LOST) because they had used every attempt`);
  const text = parts.join(" and ");
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}
