// Runs once when the Next.js server starts. It connects the app to the ingestion queue (lib/queue):
//   ATLAS_WORKERS=in-process (default)  this process enqueues and also works the queue: one machine, or sandbox/dev
//   ATLAS_WORKERS=external              this process only enqueues; `npm run worker` processes work the queue
//   ATLAS_WORKERS=off                   no queue: synced jobs are marked completed without ingestion
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const mode = process.env.ATLAS_WORKERS?.trim() || "in-process";
  if (mode === "off") return;
  const queue = await import("./lib/queue");
  try {
    if (mode === "external") await queue.enableIngestionQueue();
    else await queue.startWorkers({ ingestion: true, maintenance: true });
    console.log(`[atlas] ingestion queue: ${mode === "external" ? "enqueue only (workers run elsewhere)" : "workers in this process"}`);
  } catch (err) {
    // The app still serves pages; webhooks fall back to completing jobs without ingestion until a restart.
    console.error("[atlas] the ingestion queue did not start:", err);
  }
}
