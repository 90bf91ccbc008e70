// The Node.js server's start (see instrumentation.ts): the configuration is checked first, so a missing or
// invalid variable stops the server with one message naming every problem. Then the app connects to the
// ingestion queue (lib/queue) as ATLAS_WORKERS says:
//   in-process (default)  this process enqueues and also works the queue: one machine, or sandbox/dev
//   external              this process only enqueues; `npm run worker` processes work the queue
//   off                   no queue: synced jobs are marked completed without ingestion
import { checkServerEnv, EnvError } from "@/lib/env";
import { errorFields, log } from "@/lib/log";

export async function startNodeServer() {
  let mode;
  try {
    mode = checkServerEnv().ATLAS_WORKERS;
  } catch (err) {
    if (!(err instanceof EnvError)) throw err;
    // Next only logs an error thrown here and serves anyway; a misconfigured server must not.
    log.fatal({ problems: err.problems }, err.message);
    process.exit(1);
  }
  // Webhooks are stored by the route and applied by the inbox worker: here, unless `npm run worker` does it.
  if (mode !== "external") void startWebhookInbox();
  if (mode === "off") return;
  // Until the queue is up, webhooks leave their jobs PENDING for the recovery task (not "completed").
  const { leavePending, setIngestionQueue } = await import("@/lib/nango/ingestion");
  setIngestionQueue(leavePending);
  // In the background: pages are served while the queue starts (or while the database is still coming up).
  void connectQueue(mode);
}

async function startWebhookInbox() {
  const { startInboxWorker } = await import("@/lib/nango/webhooks");
  const inbox = startInboxWorker();
  for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => void inbox.stop());
}

async function connectQueue(mode: "in-process" | "external") {
  const queue = await import("@/lib/queue");
  for (let attempt = 1; ; attempt++) {
    try {
      if (mode === "external") {
        await queue.enableIngestionQueue();
      } else {
        const workers = await queue.startWorkers({ ingestion: true, maintenance: true });
        // A deploy or Ctrl-C: running ingestions stop at a record boundary and leave a continuation.
        for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => void workers.stop().finally(() => process.exit(0)));
      }
      log.info({ mode }, mode === "external" ? "ingestion queue: enqueue only (workers run elsewhere)" : "ingestion queue: workers in this process");
      return;
    } catch (err) {
      // Meanwhile webhooks leave their jobs PENDING; the recovery task sends them once the queue works.
      const wait = Math.min(60, 2 ** attempt);
      log.error({ ...errorFields(err), attempt, retryInSeconds: wait }, "the ingestion queue did not start");
      await new Promise((r) => setTimeout(r, wait * 1000));
    }
  }
}
