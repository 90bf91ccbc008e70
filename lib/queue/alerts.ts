// The alerts queue: one job per AlertDelivery (retried with backoff; the last attempt leaves the row FAILED),
// and the periodic problem scan on a queue of its own (pg-boss keeps one schedule per queue name).
import type PgBoss from "pg-boss";
import { deliverAlert } from "@/lib/alerts/deliver";
import { setAlertSender } from "@/lib/alerts/dispatch";
import { scanProblems } from "@/lib/alerts/scan";
import { getEnv } from "@/lib/env";
import { createQueue } from "./lifecycle";

export const ALERTS_QUEUE = "atlas-alerts";
export const ALERTS_SCAN_QUEUE = "atlas-alerts-scan";

export type AlertQueueOptions = { pollingIntervalSeconds: number; schedule: boolean; retryLimit?: number; retryDelaySeconds?: number };

export async function registerAlertWorkers(boss: PgBoss, opts: AlertQueueOptions): Promise<void> {
  const retry = { retryLimit: opts.retryLimit ?? 5, retryDelay: opts.retryDelaySeconds ?? 30, retryBackoff: true };
  await createQueue(boss, { name: ALERTS_QUEUE, ...retry, expireInSeconds: 120 });
  // pg-boss waits a polling interval after every fetch, whether it found a job or not: after a delivery this worker
  // asks again at once, so a burst (an outage expiring many connections) leaves at the receivers' pace rather than
  // one message per interval. An empty fetch or a failed attempt waits as usual.
  const worker = { id: "" };
  worker.id = await boss.work<{ deliveryId: string }>(ALERTS_QUEUE, { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: opts.pollingIntervalSeconds }, async ([job]) => {
    if (!job) return;
    await deliverAlert(job.data.deliveryId, { final: job.retryCount >= job.retryLimit });
    if (worker.id) boss.notifyWorker(worker.id);
  });
  setAlertSender(async (deliveryId) => void (await boss.send(ALERTS_QUEUE, { deliveryId }, retry)));
  await createQueue(boss, { name: ALERTS_SCAN_QUEUE, retryLimit: 0, expireInSeconds: 600 });
  await boss.work(ALERTS_SCAN_QUEUE, { batchSize: 1, pollingIntervalSeconds: Math.max(opts.pollingIntervalSeconds, 1) }, async () => scanProblems());
  if (opts.schedule) await boss.schedule(ALERTS_SCAN_QUEUE, getEnv().ATLAS_ALERTS_CRON, {});
}

/** While stopping: alerts are sent at once instead of through a queue that no longer works. */
export const unregisterAlertWorkers = () => setAlertSender(null);
