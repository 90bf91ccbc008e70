// The maintenance queue's job body: retention and recovery tasks.
import "server-only";
import { MAINTENANCE_TASKS, purgeExpiredSessions, purgeOldSyncJobs, purgeWebhookLog, recordMaintenanceRun, type MaintenanceTask } from "@/lib/maintenance/retention";
import { recoverStaleSyncJobs } from "./recovery";

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
      return recordMaintenanceRun(MAINTENANCE_TASKS.recoverSyncJobs, () => recoverStaleSyncJobs({ organizationId: opts.organizationId }));
  }
}
