// Queue names, job payloads and settings read from the environment (see docs/ingestion.md).
import type { MaintenanceTask } from "@/lib/maintenance/retention";
import type { RunSyncJobOptions } from "@/lib/ingest/sync-job";

export const QUEUES = { ingestion: "atlas-ingestion", maintenance: "atlas-maintenance" } as const;
/** pg-boss keeps one schedule per queue name, so the periodic recovery task has a queue of its own. */
export const RECOVERY_QUEUE = "atlas-ingestion-recovery";

export type IngestionJobData = { syncJobId: string; continuation?: boolean };
export type MaintenanceJobData = { task: MaintenanceTask; organizationId?: string };

type Env = Record<string, string | undefined>;

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
  };
};

const num = (v: string | undefined, fallback: number, min = 0) => {
  const n = v === undefined || v.trim() === "" ? fallback : Number(v);
  if (!Number.isFinite(n) || n < min) throw new Error(`Invalid queue setting ${JSON.stringify(v)}: expected a number ≥ ${min}`);
  return n;
};

/** Settings from the environment (see docs/ingestion.md for the variables). */
export function queueSettings(env: Env = process.env): QueueSettings {
  const connectionString = env.DATABASE_URL;
  if (!connectionString) throw new Error("DATABASE_URL is not set: the job queue lives in Atlas's PostgreSQL database.");
  const expireInSeconds = num(env.ATLAS_INGEST_EXPIRE_SECONDS, 1800, 1);
  const timeBudgetSeconds = num(env.ATLAS_INGEST_TIME_BUDGET_SECONDS, Math.floor(expireInSeconds / 2), 1);
  // A run that could outlive its expiry would be taken for dead and run twice at once.
  // (The default, half the expiry, leaves room for the record in flight and Zep's retry waits.)
  if (timeBudgetSeconds >= expireInSeconds) {
    throw new Error(`ATLAS_INGEST_TIME_BUDGET_SECONDS (${timeBudgetSeconds}) must be less than ATLAS_INGEST_EXPIRE_SECONDS (${expireInSeconds}).`);
  }
  return {
    connectionString,
    schema: env.ATLAS_QUEUE_SCHEMA?.trim() || "pgboss",
    maintenanceIntervalSeconds: num(env.ATLAS_QUEUE_MAINTENANCE_INTERVAL_SECONDS, 60, 1),
    runSchedules: env.ATLAS_QUEUE_SCHEDULES !== "0",
    ingestion: {
      concurrency: Math.floor(num(env.ATLAS_INGEST_CONCURRENCY, 4, 1)),
      pollingIntervalSeconds: num(env.ATLAS_QUEUE_POLLING_SECONDS, 2, 0.5),
      retryLimit: Math.floor(num(env.ATLAS_INGEST_RETRY_LIMIT, 5, 0)),
      retryDelaySeconds: num(env.ATLAS_INGEST_RETRY_DELAY_SECONDS, 30, 1),
      retryBackoff: env.ATLAS_INGEST_RETRY_BACKOFF !== "0",
      expireInSeconds,
      timeBudgetSeconds,
      busyRetrySeconds: num(env.ATLAS_INGEST_BUSY_RETRY_SECONDS, 5, 1),
      pageSize: Math.floor(num(env.ATLAS_INGEST_PAGE_SIZE, 500, 1)),
    },
    maintenance: {
      retentionCron: env.ATLAS_RETENTION_CRON?.trim() || "17 3 * * *",
      recoveryCron: env.ATLAS_INGEST_RECOVERY_CRON?.trim() || "*/10 * * * *",
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

