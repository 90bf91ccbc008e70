// Queue names, job payloads and settings read from the environment (see docs/ingestion.md).
import "server-only";
import { getEnv, type Env } from "@/lib/env";
import type { MaintenanceTask } from "@/lib/maintenance/retention";
import type { RunSyncJobOptions } from "@/lib/ingest/sync-job";

export const QUEUES = { ingestion: "atlas-ingestion", maintenance: "atlas-maintenance" } as const;
/** pg-boss keeps one schedule per queue name, so the periodic recovery task has a queue of its own. */
export const RECOVERY_QUEUE = "atlas-ingestion-recovery";
/** Folds the sync activity rollup's deltas into its day rows (lib/dashboard/activity.ts), on its own schedule too. */
export const ACTIVITY_FOLD_QUEUE = "atlas-activity-fold";

export type IngestionJobData = { syncJobId: string; continuation?: boolean };
export type MaintenanceJobData = { task: MaintenanceTask; organizationId?: string };

export type QueueSettings = {
  connectionString: string;
  schema: string;
  /** pg-boss supervision (expiring jobs of dead workers, archiving): how often, in seconds. */
  maintenanceIntervalSeconds: number;
  /** Whether this process fires cron schedules (any one process per database suffices; all may). */
  runSchedules: boolean;
  ingestion: {
    concurrency: number;
    pollingIntervalSeconds: number;
    retryLimit: number;
    retryDelaySeconds: number;
    retryBackoff: boolean;
    /** A job active this long without finishing is presumed dead (worker killed) and retried. */
    expireInSeconds: number;
    /** A run stops at a record boundary after this long and continues as a new job (≤ expireIn / 2). */
    timeBudgetSeconds: number;
    /** When another run holds the graph, the job is offered again after this long. */
    busyRetrySeconds: number;
    pageSize: number;
  };
  maintenance: {
    /** Retention (sync jobs, sessions). Default daily at 03:17 UTC. */
    retentionCron: string;
    /** Re-enqueues sync jobs that lost their queue job (crash between commit and send, last retry expired). */
    recoveryCron: string;
    /** Folds the activity deltas; every minute keeps what dashboards add on top of the day rows small. */
    activityFoldCron: string;
  };
};

/** Settings from the environment (parsed, with defaults and ranges, in lib/env.ts; see docs/ingestion.md). */
export function queueSettings(env: Env = getEnv()): QueueSettings {
  return {
    connectionString: env.DATABASE_URL,
    schema: env.ATLAS_QUEUE_SCHEMA,
    maintenanceIntervalSeconds: env.ATLAS_QUEUE_MAINTENANCE_INTERVAL_SECONDS,
    runSchedules: env.ATLAS_QUEUE_SCHEDULES,
    ingestion: {
      concurrency: env.ATLAS_INGEST_CONCURRENCY,
      pollingIntervalSeconds: env.ATLAS_QUEUE_POLLING_SECONDS,
      retryLimit: env.ATLAS_INGEST_RETRY_LIMIT,
      retryDelaySeconds: env.ATLAS_INGEST_RETRY_DELAY_SECONDS,
      retryBackoff: env.ATLAS_INGEST_RETRY_BACKOFF,
      expireInSeconds: env.ATLAS_INGEST_EXPIRE_SECONDS,
      timeBudgetSeconds: env.ATLAS_INGEST_TIME_BUDGET_SECONDS,
      busyRetrySeconds: env.ATLAS_INGEST_BUSY_RETRY_SECONDS,
      pageSize: env.ATLAS_INGEST_PAGE_SIZE,
    },
    maintenance: {
      retentionCron: env.ATLAS_RETENTION_CRON,
      recoveryCron: env.ATLAS_INGEST_RECOVERY_CRON,
      activityFoldCron: "* * * * *",
    },
  };
}

export type Overrides = {
  /** Replaces settings read from the environment (tests: tiny delays, their own schema). */
  settings?: Partial<Omit<QueueSettings, "ingestion" | "maintenance">> & {
    ingestion?: Partial<QueueSettings["ingestion"]>;
    maintenance?: Partial<QueueSettings["maintenance"]>;
  };
  /** Passed to every ingestion run (tests: Zep client and retry policy, Nango retry knobs). */
  run?: Pick<RunSyncJobOptions, "zep" | "nango" | "nangoRetry" | "progressEvery">;
};

export function mergeSettings(o: Overrides["settings"] = {}): QueueSettings {
  const base = queueSettings();
  return {
    ...base,
    ...o,
    ingestion: { ...base.ingestion, ...o.ingestion },
    maintenance: { ...base.maintenance, ...o.maintenance },
  } as QueueSettings;
}

