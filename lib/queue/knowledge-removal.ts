// The knowledge-removal queue: one job per disconnected connection whose records leave the graph
// (lib/ingest/removal.ts). Retried with backoff: a busy graph or a Zep outage only delays it.
import "server-only";
import type PgBoss from "pg-boss";
import { removeConnectionKnowledge, setKnowledgeRemovalSender } from "@/lib/ingest/removal";
import { log } from "@/lib/log";
import { createQueue } from "./lifecycle";

export const KNOWLEDGE_REMOVAL_QUEUE = "atlas-knowledge-removal";

export async function registerKnowledgeRemovalWorkers(boss: PgBoss, opts: { pollingIntervalSeconds: number }): Promise<void> {
  const retry = { retryLimit: 20, retryDelay: 10, retryBackoff: true };
  await createQueue(boss, { name: KNOWLEDGE_REMOVAL_QUEUE, ...retry, expireInSeconds: 1800 });
  await boss.work<{ connectionId: string }>(KNOWLEDGE_REMOVAL_QUEUE, { batchSize: 1, pollingIntervalSeconds: opts.pollingIntervalSeconds }, async ([job]) => {
    if (!job) return;
    return removeConnectionKnowledge(job.data.connectionId, {
      onProgress: (p) => log.info({ connectionId: job.data.connectionId, ...p }, "knowledge removal progress"),
    });
  });
  // One job per connection at a time: a second request while one is queued is the same work.
  setKnowledgeRemovalSender(async (connectionId) => void (await boss.send(KNOWLEDGE_REMOVAL_QUEUE, { connectionId }, { ...retry, singletonKey: connectionId })));
}

export const unregisterKnowledgeRemovalWorkers = () => setKnowledgeRemovalSender(null);
