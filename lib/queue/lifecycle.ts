// The process-wide pg-boss instance: created on first use, kept on globalThis so a second call (or Next's
// dev server re-evaluating this module) gets the same instance; a failed start lets the next call retry.
import "server-only";
import PgBoss from "pg-boss";
import { errorFields, log } from "@/lib/log";
import { mergeSettings, QUEUES, type Overrides, type QueueSettings } from "./settings";

export type WorkersHandle = { stop(): Promise<void>; settings: QueueSettings };

export type State = {
  settings: QueueSettings;
  boss: Promise<PgBoss>;
  workers?: Promise<WorkersHandle>;
  stopping: boolean;
};

export const holder = globalThis as unknown as { atlasQueue?: State };

export function state(overrides?: Overrides["settings"]): State {
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
  boss.on("error", (err) => log.error({ ...errorFields(err), component: "queue" }, "pg-boss error"));
  surviveLostJobUpdates();
  await boss.start();
  const i = settings.ingestion;
  await createQueue(boss, {
    name: QUEUES.ingestion,
    retryLimit: i.retryLimit,
    retryDelay: i.retryDelaySeconds,
    retryBackoff: i.retryBackoff,
    expireInSeconds: i.expireInSeconds,
  });
  await createQueue(boss, { name: QUEUES.maintenance, retryLimit: 2, retryDelay: 60, expireInSeconds: 3600 });
  return boss;
}

/** A rejection of pg-boss's own complete/fail of a job its worker ran (the frames name where it was called). */
const JOB_UPDATE = /\bManager\.(complete|fail) \(.*pg-boss[\\/]/;

/**
 * pg-boss 10 marks a job its worker ran completed or failed without awaiting the update (manager.js, watch →
 * onFetch; timgit/pg-boss#577). When PostgreSQL is unreachable at that moment (a restart, a failover) the
 * rejection is unhandled and Node ends the process: every worker died with the database. Those rejections are
 * logged instead; the job stays active, pg-boss expires and retries it, and the retry finds its SyncJob
 * finished (or resumes it from the cursor). Any other unhandled rejection is left to whoever else listens, or
 * thrown again for Node's default (the process ends) when nobody does.
 */
function surviveLostJobUpdates(): void {
  const flag = globalThis as unknown as { atlasLostJobUpdates?: true };
  if (flag.atlasLostJobUpdates) return;
  flag.atlasLostJobUpdates = true;
  process.on("unhandledRejection", (reason) => {
    if (reason instanceof Error && JOB_UPDATE.test(reason.stack ?? "")) {
      log.error({ ...errorFields(reason), component: "queue" }, "pg-boss could not record a job's end; the job will expire and be retried");
      return;
    }
    if (process.listenerCount("unhandledRejection") === 1) throw reason;
  });
}

/** PostgreSQL aborted the statement to break a deadlock; trying it again is the remedy. */
const DEADLOCK = "40P01";

/**
 * boss.createQueue, safe when several processes start at once (two `npm run worker` on a fresh database, or
 * the first start of a release that adds a queue). pg-boss creates and attaches a queue's partition table
 * without a lock of its own, so two processes creating queues together can deadlock and PostgreSQL aborts
 * one of them; that one tries again, and finds the queue created (pg-boss then does nothing).
 */
export async function createQueue(boss: PgBoss, queue: PgBoss.Queue, attempts = 5): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await boss.createQueue(queue.name, queue);
    } catch (err) {
      if ((err as { code?: unknown }).code !== DEADLOCK || attempt >= attempts) throw err;
      log.warn({ queue: queue.name, attempt }, "creating a queue deadlocked with another process; trying again");
      await new Promise((r) => setTimeout(r, 50 * attempt + Math.random() * 100));
    }
  }
}

/** The started pg-boss instance of this process (created on first use). */
export function getBoss(): Promise<PgBoss> {
  return state().boss;
}


/**
 * What a pg-boss attempt tells a run (a sync job's or a knowledge rebuild's): whether it continues a run that
 * yielded, whether a retry follows, its time budget, when to stop, and the ingestion settings it runs with.
 */
export function attemptOptions(job: { data: { continuation?: boolean }; retryCount: number; retryLimit: number }, s: State) {
  const i = s.settings.ingestion;
  return {
    // A continuation picked up again after a failure (or a dead worker) is a new attempt.
    continuation: job.data.continuation === true && job.retryCount === 0,
    isLastAttempt: job.retryCount >= job.retryLimit,
    timeBudgetMs: i.timeBudgetSeconds * 1000,
    shouldStop: () => s.stopping,
    pageSize: i.pageSize,
    connectionString: s.settings.connectionString,
  };
}
