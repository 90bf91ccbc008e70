// `npm run worker`: a process that only works on Atlas's job queues (ingestion and maintenance), for
// deployments that run workers apart from the web app. Needs DATABASE_URL, the Nango and Zep settings
// (NANGO_HOST, NANGO_SECRET_KEY, ZEP_API_KEY, ZEP_BASE_URL) and optionally the ATLAS_INGEST_* / ATLAS_QUEUE_*
// variables of docs/ingestion.md. ATLAS_WORKER_QUEUES=ingestion or =maintenance limits it to one kind.
// SIGTERM/SIGINT: running ingestions stop at their next record, save their cursor and are continued by
// another worker; the process exits when pg-boss has let go of its jobs.
import { waitForDatabase } from "@/lib/db/wait";
import { EnvError, getEnv } from "@/lib/env";
import { errorFields, log } from "@/lib/log";

let env: ReturnType<typeof getEnv>;
try {
  // Every configuration problem at once, before anything connects.
  env = getEnv();
} catch (err) {
  if (!(err instanceof EnvError)) throw err;
  log.fatal({ problems: err.problems }, err.message);
  process.exit(1);
}
const only = env.ATLAS_WORKER_QUEUES;
// The database may come up after this process (a deployment's start order): wait for it, saying so, instead
// of dying on the first refused connection.
try {
  await waitForDatabase(env.DATABASE_URL, { onWaiting: (reason, attempt) => log.warn({ attempt }, `worker waiting for the database: ${reason}`) });
} catch (err) {
  log.fatal(`worker not started: ${(err as Error).message}`);
  process.exit(1);
}
// Imported after the check: the queue's modules connect to the database when they load.
const { startWorkers } = await import("@/lib/queue");
const handle = await startWorkers({
  ingestion: !only || only.includes("ingestion"),
  maintenance: !only || only.includes("maintenance"),
});
// The webhook inbox (lib/nango/webhooks): stored deliveries applied here, for web processes in `external` mode.
const inbox = !only || only.includes("webhooks") ? (await import("@/lib/nango/webhooks")).startInboxWorker() : null;
const { schema, ingestion } = handle.settings;
log.info({ schema, concurrency: ingestion.concurrency, queues: only ?? ["ingestion", "maintenance", "webhooks"] }, "worker started");

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, "worker stopping");
  Promise.all([handle.stop(), inbox?.stop()])
    .then(() => process.exit(0))
    .catch((err) => {
      log.error(errorFields(err), "worker stop failed");
      process.exit(1);
    });
};
process.on("SIGTERM", () => stop("SIGTERM"));
process.on("SIGINT", () => stop("SIGINT"));
