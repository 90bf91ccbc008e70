// `npm run worker`: a process that only works on Atlas's job queues (ingestion and maintenance), for
// deployments that run workers apart from the web app. Needs DATABASE_URL, the Nango and Zep settings
// (NANGO_HOST, NANGO_SECRET_KEY, ZEP_API_KEY, ZEP_BASE_URL) and optionally the ATLAS_INGEST_* / ATLAS_QUEUE_*
// variables of docs/ingestion.md. ATLAS_WORKER_QUEUES=ingestion or =maintenance limits it to one kind.
// SIGTERM/SIGINT: running ingestions stop at their next record, save their cursor and are continued by
// another worker; the process exits when pg-boss has let go of its jobs.
import { startWorkers } from "@/lib/queue";

const only = process.env.ATLAS_WORKER_QUEUES?.split(",").map((s) => s.trim());
const handle = await startWorkers({
  ingestion: !only || only.includes("ingestion"),
  maintenance: !only || only.includes("maintenance"),
});
console.log(`[worker] started (pid ${process.pid}, schema ${handle.settings.schema}, concurrency ${handle.settings.ingestion.concurrency})`);

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`[worker] ${signal}: stopping`);
  handle
    .stop()
    .then(() => process.exit(0))
    .catch((err) => {
      console.error("[worker] stop failed", err);
      process.exit(1);
    });
};
process.on("SIGTERM", () => stop("SIGTERM"));
process.on("SIGINT", () => stop("SIGINT"));
