// The knowledge-rebuild queue: one job per KnowledgeRebuild row (lib/ingest/rebuild.ts). Like ingestion: a
// failed attempt is retried with backoff from the saved place, a busy graph is offered again later, and a
// run that spent its time budget continues as a new job, so pg-boss never expires a healthy rebuild.
import "server-only";
import type PgBoss from "pg-boss";
import { RebuildAttemptError, runRebuild, setRebuildSender, type RunRebuildOptions } from "@/lib/ingest/rebuild";
import { loggedJob } from "@/lib/log";
import { prisma } from "@/lib/db/client";
import { attemptOptions, createQueue, type State } from "./lifecycle";

export const KNOWLEDGE_REBUILD_QUEUE = "atlas-knowledge-rebuild";

type RebuildJobData = { rebuildId: string; continuation?: boolean };

const optionsOf = (s: State) => {
  const i = s.settings.ingestion;
  return { retryLimit: i.retryLimit, retryDelay: i.retryDelaySeconds, retryBackoff: i.retryBackoff, expireInSeconds: i.expireInSeconds };
};

/**
 * Creates the queue and registers the sender with lib/ingest/rebuild: enough for a process that only
 * enqueues (web processes when `npm run worker` works the queues elsewhere).
 */
export async function enableKnowledgeRebuildQueue(boss: PgBoss, s: State): Promise<(data: RebuildJobData, startAfter?: number) => Promise<string | null>> {
  const options = optionsOf(s);
  await createQueue(boss, { name: KNOWLEDGE_REBUILD_QUEUE, ...options });
  const send = (data: RebuildJobData, startAfter?: number) => boss.send(KNOWLEDGE_REBUILD_QUEUE, data, { ...options, ...(startAfter ? { startAfter } : {}) });
  const schema = s.settings.schema.replace(/"/g, '""');
  // A rebuild asked for again joins the one running: a job is sent only when none is queued or active
  // (the first request, or one whose job was lost with its process).
  setRebuildSender(async (rebuildId) => {
    const [live] = await prisma.$queryRawUnsafe<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM "${schema}".job WHERE name = $1 AND state < 'completed' AND data->>'rebuildId' = $2`,
      KNOWLEDGE_REBUILD_QUEUE,
      rebuildId,
    );
    if (!live?.n) await send({ rebuildId });
  });
  return send;
}

export async function registerKnowledgeRebuildWorkers(boss: PgBoss, s: State, run: Pick<RunRebuildOptions, "zep" | "nango" | "nangoRetry"> = {}): Promise<void> {
  const i = s.settings.ingestion;
  const send = await enableKnowledgeRebuildQueue(boss, s);
  await boss.work<RebuildJobData>(
    KNOWLEDGE_REBUILD_QUEUE,
    { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: i.pollingIntervalSeconds },
    loggedJob(async ([job]) => {
      if (!job) return;
      const result = await runRebuild(job.data.rebuildId, { ...run, ...attemptOptions(job, s) }).catch((err: unknown) => {
        if (err instanceof RebuildAttemptError) throw err;
        throw err instanceof Error ? err : new Error(String(err));
      });
      if (result.outcome === "BUSY") await send({ rebuildId: job.data.rebuildId, continuation: job.data.continuation }, i.busyRetrySeconds);
      if (result.outcome === "YIELDED") await send({ rebuildId: job.data.rebuildId, continuation: true });
      return result;
    }),
  );
}

export const unregisterKnowledgeRebuildWorkers = () => setRebuildSender(null);
