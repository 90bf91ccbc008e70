// Runs once when the Next.js server starts. It connects the app to the ingestion queue (lib/queue):
//   ATLAS_WORKERS=in-process (default)  this process enqueues and also works the queue: one machine, or sandbox/dev
//   ATLAS_WORKERS=external              this process only enqueues; `npm run worker` processes work the queue
//   ATLAS_WORKERS=off                   no queue: synced jobs are marked completed without ingestion
const MODES = ["in-process", "external", "off"] as const;

export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const raw = process.env.ATLAS_WORKERS?.trim() || "in-process";
  const mode = MODES.find((m) => m === raw);
  if (!mode) throw new Error(`ATLAS_WORKERS must be one of ${MODES.join(", ")}; got "${raw}".`);
  if (mode === "off") return;
  // Until the queue is up, webhooks leave their jobs PENDING for the recovery task (not "completed").
  const { leavePending, setIngestionQueue } = await import("./lib/nango/ingestion");
  setIngestionQueue(leavePending);
  // In the background: pages are served while the queue starts (or while the database is still coming up).
  void connectQueue(mode);
}

async function connectQueue(mode: "in-process" | "external") {
  const queue = await import("./lib/queue");
  for (let attempt = 1; ; attempt++) {
    try {
      if (mode === "external") {
        await queue.enableIngestionQueue();
      } else {
        const workers = await queue.startWorkers({ ingestion: true, maintenance: true });
        // A deploy or Ctrl-C: running ingestions stop at a record boundary and leave a continuation.
        for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => void workers.stop().finally(() => process.exit(0)));
      }
      console.log(`[atlas] ingestion queue: ${mode === "external" ? "enqueue only (workers run elsewhere)" : "workers in this process"}`);
      return;
    } catch (err) {
      // Meanwhile webhooks leave their jobs PENDING; the recovery task sends them once the queue works.
      const wait = Math.min(60, 2 ** attempt);
      console.error(`[atlas] the ingestion queue did not start (attempt ${attempt}; again in ${wait} s):`, err instanceof Error ? err.message : err);
      await new Promise((r) => setTimeout(r, wait * 1000));
    }
  }
}
