/**
 * Atlas's durable job queue: pg-boss 10 on the app's own PostgreSQL (schema `pgboss` unless
 * ATLAS_QUEUE_SCHEMA says otherwise). Two queues:
 *   atlas-ingestion    one job per SyncJob to ingest ({syncJobId}); see lib/ingest/sync-job.ts
 *   atlas-maintenance  retention and recovery tasks ({task}), on daily / periodic cron schedules
 *
 * Two ways to use it from a process:
 *   startWorkers({ ingestion, maintenance })  work on the queues (and enqueue); `npm run worker`, or the app
 *                                             itself in sandbox/dev via instrumentation.ts
 *   enableIngestionQueue()                    only enqueue: webhooks send jobs, separate workers run them
 * Both are idempotent and keep their state on globalThis, so a second call (or Next's dev server
 * re-evaluating this module) gets the same pg-boss instance and the same handle.
 */
import PgBoss from "pg-boss";
import { prisma } from "@/lib/db/client";
import { leavePending, setIngestionQueue } from "@/lib/nango/ingestion";
import { failRunningSyncJob, runSyncJob, SyncJobAttemptError, type RunSyncJobOptions } from "@/lib/ingest/sync-job";
import { MAINTENANCE_TASKS, purgeExpiredSessions, purgeOldSyncJobs, purgeWebhookLog, recordMaintenanceRun, type MaintenanceTask } from "@/lib/maintenance/retention";

export const QUEUES = { ingestion: "atlas-ingestion", maintenance: "atlas-maintenance" } as const;

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

// ---- the process-wide instance ----------------------------------------------------------------------

type Overrides = {
  /** Replaces settings read from the environment (tests: tiny delays, their own schema). */
  settings?: Partial<Omit<QueueSettings, "ingestion" | "maintenance">> & {
    ingestion?: Partial<QueueSettings["ingestion"]>;
    maintenance?: Partial<QueueSettings["maintenance"]>;
  };
  /** Passed to every ingestion run (tests: Zep client and retry policy, Nango retry knobs). */
  run?: Pick<RunSyncJobOptions, "zep" | "nango" | "nangoRetry" | "progressEvery">;
};

export type WorkersHandle = { stop(): Promise<void>; settings: QueueSettings };

type State = {
  settings: QueueSettings;
  boss: Promise<PgBoss>;
  workers?: Promise<WorkersHandle>;
  stopping: boolean;
};

const holder = globalThis as unknown as { atlasQueue?: State };

function mergeSettings(o: Overrides["settings"] = {}): QueueSettings {
  const base = queueSettings();
  return {
    ...base,
    ...o,
    ingestion: { ...base.ingestion, ...o.ingestion },
    maintenance: { ...base.maintenance, ...o.maintenance },
  } as QueueSettings;
}

function state(overrides?: Overrides["settings"]): State {
  if (holder.atlasQueue) return holder.atlasQueue;
  const settings = mergeSettings(overrides);
  const s: State = { settings, stopping: false, boss: startBoss(settings) };
  // A failed start must not poison the process: the next call tries again.
  s.boss.catch(() => {
    if (holder.atlasQueue === s) holder.atlasQueue = undefined;
  });
  holder.atlasQueue = s;
  return s;
}

async function startBoss(settings: QueueSettings): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: settings.connectionString,
    schema: settings.schema,
    application_name: "atlas-queue",
    max: settings.ingestion.concurrency + 3,
    maintenanceIntervalSeconds: settings.maintenanceIntervalSeconds,
    schedule: settings.runSchedules,
  });
  boss.on("error", (err) => console.error("[queue]", err instanceof Error ? err.message : err));
  await boss.start();
  const i = settings.ingestion;
  await boss.createQueue(QUEUES.ingestion, {
    name: QUEUES.ingestion,
    retryLimit: i.retryLimit,
    retryDelay: i.retryDelaySeconds,
    retryBackoff: i.retryBackoff,
    expireInSeconds: i.expireInSeconds,
  });
  await boss.createQueue(QUEUES.maintenance, { name: QUEUES.maintenance, retryLimit: 2, retryDelay: 60, expireInSeconds: 3600 });
  return boss;
}

/** The started pg-boss instance of this process (created on first use). */
export function getBoss(): Promise<PgBoss> {
  return state().boss;
}

/** Puts a SyncJob on the ingestion queue. Options are per job, so changed settings apply at once. */
export async function sendIngestion(
  syncJobId: string,
  opts: { continuation?: boolean; startAfterSeconds?: number; retryLimit?: number } = {},
): Promise<string | null> {
  const s = state();
  const boss = await s.boss;
  const i = s.settings.ingestion;
  const data: IngestionJobData = { syncJobId, ...(opts.continuation ? { continuation: true } : {}) };
  return boss.send(QUEUES.ingestion, data, {
    retryLimit: opts.retryLimit ?? i.retryLimit,
    retryDelay: i.retryDelaySeconds,
    retryBackoff: i.retryBackoff,
    expireInSeconds: i.expireInSeconds,
    ...(opts.startAfterSeconds ? { startAfter: opts.startAfterSeconds } : {}),
  });
}

/**
 * Enqueue-only mode, for web processes of deployments whose workers run elsewhere (`npm run worker`):
 * webhooks put their SyncJobs on the queue; nothing is worked on in this process.
 */
export async function enableIngestionQueue(overrides: Pick<Overrides, "settings"> = {}): Promise<void> {
  const s = state(overrides.settings);
  setIngestionQueue(async (jobId) => void (await sendIngestion(jobId)));
  await s.boss;
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
        async ([job]) => {
          if (!job) return;
          const result = await runSyncJob(job.data.syncJobId, {
            ...run,
            // A continuation picked up again after a failure (or a dead worker) is a new attempt.
            continuation: job.data.continuation && job.retryCount === 0,
            isLastAttempt: job.retryCount >= job.retryLimit,
            timeBudgetMs: i.timeBudgetSeconds * 1000,
            shouldStop: () => s.stopping,
            pageSize: i.pageSize,
            connectionString: settings.connectionString,
          }).catch((err: unknown) => {
            // A failed attempt: pg-boss retries it (with backoff) from the saved cursor.
            if (err instanceof SyncJobAttemptError) throw err;
            throw err instanceof Error ? err : new Error(String(err));
          });
          if (result.outcome === "BUSY") await sendIngestion(job.data.syncJobId, { continuation: job.data.continuation, startAfterSeconds: i.busyRetrySeconds });
          if (result.outcome === "YIELDED") await sendIngestion(job.data.syncJobId, { continuation: true });
          return result;
        },
      );
    }
  }

  if (which.maintenance) {
    await boss.work<MaintenanceJobData>(QUEUES.maintenance, { batchSize: 1, pollingIntervalSeconds: Math.max(i.pollingIntervalSeconds, 1) }, async ([job]) => {
      if (!job) return;
      return runMaintenanceTask(job.data.task, { organizationId: job.data.organizationId });
    });
    await boss.schedule(QUEUES.maintenance, settings.maintenance.retentionCron, { task: MAINTENANCE_TASKS.purgeSyncJobs }, { singletonKey: MAINTENANCE_TASKS.purgeSyncJobs });
    // pg-boss keeps one schedule per queue name; session cleanup rides on the same daily job (see
    // runMaintenanceTask), recovery has a queue of its own.
    await boss.createQueue(RECOVERY_QUEUE, { name: RECOVERY_QUEUE, retryLimit: 0, expireInSeconds: 600 });
    await boss.work(RECOVERY_QUEUE, { batchSize: 1, pollingIntervalSeconds: Math.max(i.pollingIntervalSeconds, 1) }, async () => runMaintenanceTask(MAINTENANCE_TASKS.recoverSyncJobs));
    await boss.schedule(RECOVERY_QUEUE, settings.maintenance.recoveryCron, {});
  }

  let stopped: Promise<void> | undefined;
  return {
    settings,
    stop() {
      stopped ??= (async () => {
        // Running ingestions see `stopping`, stop at their next record and leave a continuation behind.
        s.stopping = true;
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

const RECOVERY_QUEUE = "atlas-ingestion-recovery";


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

/**
 * SyncJobs PENDING or IN_PROGRESS with no live queue job (the process died between committing the job and
 * sending it, or the last retry of a killed worker expired): sent again, or FAILED once they have used every
 * attempt. Returns how many were re-sent or failed. A duplicate send is harmless (the run re-checks status
 * under the graph lock), so no grace period is needed.
 */
export async function recoverStaleSyncJobs(opts: { organizationId?: string } = {}): Promise<number> {
  const s = state();
  await s.boss; // its tables exist: the query below reads them
  const schema = s.settings.schema.replace(/"/g, '""');
  const maxAttempts = s.settings.ingestion.retryLimit + 1;
  const orphans = await prisma.$queryRawUnsafe<Array<{ id: string; attempts: number }>>(
    `SELECT j.id, j.attempts FROM "SyncJob" j
     ${opts.organizationId ? `JOIN "Connection" c ON c.id = j."connectionId" AND c."organizationId" = $2` : ""}
     WHERE j.status IN ('PENDING', 'IN_PROGRESS')
       -- Only jobs ingestion can resume (see isResumable): a job without a cursor or modifiedAfter was not
       -- made by a sync webhook (imported or demo data) and has no records of its own to read.
       AND (j.cursor IS NOT NULL OR j."modifiedAfter" IS NOT NULL)
       AND NOT EXISTS (
         SELECT 1 FROM "${schema}".job q
         WHERE q.name = $1 AND q.state < 'completed' AND q.data->>'syncJobId' = j.id)`,
    QUEUES.ingestion,
    ...(opts.organizationId ? [opts.organizationId] : []),
  );
  for (const o of orphans) {
    if (o.attempts >= maxAttempts) {
      const entry = { message: "The worker running this job stopped responding on its last attempt", code: "WORKER_LOST", timestamp: new Date().toISOString() };
      await failRunningSyncJob(o.id, [entry]);
    } else {
      // Not a continuation: the run counts as an attempt, so a job that keeps killing its worker ends FAILED.
      await sendIngestion(o.id, { retryLimit: Math.max(0, maxAttempts - 1 - o.attempts) });
    }
  }
  return orphans.length;
}
