// Working the queues: ingestion slots, the maintenance and recovery schedules, and a graceful stop.
import "server-only";
import { leavePending, setIngestionQueue } from "@/lib/nango/ingestion";
import { runSyncJob, SyncJobAttemptError } from "@/lib/ingest/sync-job";
import { log, loggedJob } from "@/lib/log";
import { MAINTENANCE_TASKS } from "@/lib/maintenance/retention";
import { foldSyncActivity } from "@/lib/dashboard/activity";
import { attemptOptions, createQueue, holder, state, type State, type WorkersHandle } from "./lifecycle";
import { sendIngestion } from "./dispatch";
import { registerAlertWorkers, unregisterAlertWorkers } from "./alerts";
import { registerKnowledgeRemovalWorkers, unregisterKnowledgeRemovalWorkers } from "./knowledge-removal";
import { enableKnowledgeRebuildQueue, registerKnowledgeRebuildWorkers, unregisterKnowledgeRebuildWorkers } from "./knowledge-rebuild";
import { runMaintenanceTask } from "./maintenance";
import { ACTIVITY_FOLD_QUEUE, QUEUES, RECOVERY_QUEUE, type IngestionJobData, type MaintenanceJobData, type Overrides } from "./settings";

/**
 * Enqueue-only mode, for web processes of deployments whose workers run elsewhere (`npm run worker`):
 * webhooks put their SyncJobs on the queue; nothing is worked on in this process.
 */
export async function enableIngestionQueue(overrides: Pick<Overrides, "settings"> = {}): Promise<void> {
  const s = state(overrides.settings);
  setIngestionQueue(async (jobId) => void (await sendIngestion(jobId)));
  // Rebuilds an admin starts here are worked on elsewhere too.
  await enableKnowledgeRebuildQueue(await s.boss, s);
}

/**
 * Starts this process's workers (and registers the queue with lib/nango/ingestion, so webhooks enqueue).
 * Idempotent: while running, every call returns the same handle, whatever its arguments.
 */
export function startWorkers(opts: { ingestion?: boolean; maintenance?: boolean } & Overrides = {}): Promise<WorkersHandle> {
  const s = state(opts.settings);
  // Re-register on every call: in Next dev, lib/nango/ingestion may have been re-evaluated meanwhile.
  setIngestionQueue(async (jobId) => void (await sendIngestion(jobId)));
  if (!s.workers) {
    s.workers = registerWorkers(s, { ingestion: opts.ingestion ?? true, maintenance: opts.maintenance ?? true }, opts.run ?? {});
    s.workers.catch(() => {
      if (holder.atlasQueue === s) holder.atlasQueue = undefined;
      setIngestionQueue(leavePending);
    });
  }
  return s.workers;
}

async function registerWorkers(s: State, which: { ingestion: boolean; maintenance: boolean }, run: NonNullable<Overrides["run"]>): Promise<WorkersHandle> {
  const boss = await s.boss;
  const { settings } = s;
  const i = settings.ingestion;

  if (which.ingestion) {
    // One polling loop per slot: jobs of different graphs run in parallel, up to `concurrency`.
    for (let n = 0; n < i.concurrency; n++) {
      await boss.work<IngestionJobData>(
        QUEUES.ingestion,
        { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: i.pollingIntervalSeconds },
        loggedJob(async ([job]) => {
          if (!job) return;
          const result = await runSyncJob(job.data.syncJobId, { ...run, ...attemptOptions(job, s) }).catch((err: unknown) => {
            // A failed attempt: pg-boss retries it (with backoff) from the saved cursor.
            if (err instanceof SyncJobAttemptError) throw err;
            throw err instanceof Error ? err : new Error(String(err));
          });
          if (result.outcome === "BUSY") await sendIngestion(job.data.syncJobId, { continuation: job.data.continuation, startAfterSeconds: i.busyRetrySeconds });
          if (result.outcome === "YIELDED") await sendIngestion(job.data.syncJobId, { continuation: true });
          return result;
        }),
      );
    }
    await registerKnowledgeRemovalWorkers(boss, { pollingIntervalSeconds: Math.max(i.pollingIntervalSeconds, 1) });
    await registerKnowledgeRebuildWorkers(boss, s, { zep: run.zep, nango: run.nango, nangoRetry: run.nangoRetry });
  }

  if (which.maintenance) {
    await boss.work<MaintenanceJobData>(QUEUES.maintenance, { batchSize: 1, pollingIntervalSeconds: Math.max(i.pollingIntervalSeconds, 1) }, loggedJob(async ([job]) => {
      if (!job) return;
      return runMaintenanceTask(job.data.task, { organizationId: job.data.organizationId });
    }));
    await boss.schedule(QUEUES.maintenance, settings.maintenance.retentionCron, { task: MAINTENANCE_TASKS.purgeSyncJobs }, { singletonKey: MAINTENANCE_TASKS.purgeSyncJobs });
    // pg-boss keeps one schedule per queue name; session cleanup rides on the same daily job (see
    // runMaintenanceTask), recovery has a queue of its own.
    await createQueue(boss, { name: RECOVERY_QUEUE, retryLimit: 0, expireInSeconds: 600 });
    await boss.work(RECOVERY_QUEUE, { batchSize: 1, pollingIntervalSeconds: Math.max(i.pollingIntervalSeconds, 1) }, loggedJob(async () => runMaintenanceTask(MAINTENANCE_TASKS.recoverSyncJobs)));
    await boss.schedule(RECOVERY_QUEUE, settings.maintenance.recoveryCron, {});
    // Job writes append activity deltas instead of updating a shared day row (lib/dashboard/activity.ts);
    // folding them every minute keeps the dashboards' share of them small. Missed or failed runs cost nothing
    // but a larger next fold, so no retry.
    await createQueue(boss, { name: ACTIVITY_FOLD_QUEUE, retryLimit: 0, expireInSeconds: 900 });
    await boss.work(ACTIVITY_FOLD_QUEUE, { batchSize: 1, pollingIntervalSeconds: Math.max(i.pollingIntervalSeconds, 1) }, loggedJob(async () => foldSyncActivity(), log, { routine: true }));
    await boss.schedule(ACTIVITY_FOLD_QUEUE, settings.maintenance.activityFoldCron, {});
    await registerAlertWorkers(boss, { pollingIntervalSeconds: Math.max(i.pollingIntervalSeconds, 1), schedule: true });
  }

  let stopped: Promise<void> | undefined;
  return {
    settings,
    stop() {
      stopped ??= (async () => {
        // Running ingestions see `stopping`, stop at their next record and leave a continuation behind.
        s.stopping = true;
        unregisterAlertWorkers();
        unregisterKnowledgeRemovalWorkers();
        unregisterKnowledgeRebuildWorkers();
        setIngestionQueue(leavePending);
        // The instance stays this process's queue until pg-boss has stopped: runs that yield meanwhile
        // send their continuation through it, not through a new instance started during shutdown.
        await boss.stop({ graceful: true, wait: true, timeout: 30_000 });
        if (holder.atlasQueue === s) holder.atlasQueue = undefined;
      })();
      return stopped;
    },
  };
}
