// A worker process killed (SIGKILL) in the middle of a job loses nothing: pg-boss expires its job, another
// worker resumes the SyncJob from its cursor, and no record reaches the graph twice. The first worker is
// the real `npm run worker` entry (scripts/worker.ts) in a child process.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/client";
import { connectedUser, duplicateKeys, startHarness, syncAndDeliver, waitFor, waitForStatus, type Harness } from "@/lib/test/ingest-harness";
import { graphIdFor } from "@/lib/zep";
import { enableIngestionQueue, startWorkers, type WorkersHandle } from "./index";

const ROOT = path.resolve(import.meta.dirname, "../..");
// Short expiry so a dead worker's job is retried within seconds; a budget well inside it for live ones.
const QUEUE_ENV = {
  ATLAS_INGEST_EXPIRE_SECONDS: "6",
  ATLAS_INGEST_TIME_BUDGET_SECONDS: "4",
  ATLAS_INGEST_RETRY_DELAY_SECONDS: "1",
  ATLAS_INGEST_RETRY_BACKOFF: "0",
  ATLAS_INGEST_RETRY_LIMIT: "3",
  ATLAS_QUEUE_POLLING_SECONDS: "0.5",
  ATLAS_QUEUE_MAINTENANCE_INTERVAL_SECONDS: "1",
  ATLAS_INGEST_CONCURRENCY: "1",
  ATLAS_INGEST_PAGE_SIZE: "50",
};

let h: Harness;
let child: ChildProcess | undefined;
let workers: WorkersHandle | undefined;

beforeAll(async () => {
  h = await startHarness();
  Object.assign(process.env, QUEUE_ENV);
  // This process only enqueues (and supervises: expiring the dead worker's job) until the kill.
  await enableIngestionQueue();
}, 60_000);

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await workers?.stop();
  await h?.stop();
});

function startChildWorker(): { proc: ChildProcess; output: () => string } {
  let output = "";
  // node itself (with tsx as a loader), not the tsx CLI: the CLI runs node as a child of its own, and a
  // SIGKILL to the wrapper would leave that worker running.
  const proc = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", "scripts/worker.ts"], {
    cwd: ROOT,
    env: { ...process.env, ...h.env, ...QUEUE_ENV, ATLAS_WORKER_QUEUES: "ingestion" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  proc.stdout!.on("data", (d) => (output += d));
  proc.stderr!.on("data", (d) => (output += d));
  return { proc, output: () => output };
}

describe("a worker killed mid-job", () => {
  it("is replaced: the job is expired, resumed from its cursor by another worker, and completes with no duplicates", async () => {
    const { org, nangoConnectionId } = await connectedUser(h);
    const graphId = graphIdFor(org.id, "default");
    const total = 600;
    // Slow Zep down (every request waits) so the kill lands in the middle of the run.
    h.zep.setFault({ delayMs: 10, times: 1_000_000 });

    const worker = startChildWorker();
    child = worker.proc;
    const { job } = await syncAndDeliver(h, nangoConnectionId, { added: total });

    const midway = await waitFor(
      async () => {
        const j = await prisma.syncJob.findUniqueOrThrow({ where: { id: job.id } });
        return j.status === "IN_PROGRESS" && j.recordsProcessed >= 100 ? j : undefined;
      },
      "the child worker to make progress",
      60_000,
    ).catch((err) => {
      throw new Error(`${err.message}\n--- child output ---\n${worker.output()}`);
    });
    child.kill("SIGKILL");
    await new Promise((r) => child!.once("exit", r));
    const atKill = h.zep.episodes(graphId).length;
    expect(midway.cursor).toEqual(expect.any(String));
    expect(atKill).toBeGreaterThanOrEqual(100);
    expect(atKill).toBeLessThan(total);
    expect((await prisma.syncJob.findUniqueOrThrow({ where: { id: job.id } })).status).toBe("IN_PROGRESS");

    // Another worker (this process); pg-boss hands it the expired job once its expiry has passed.
    h.zep.setFault(null);
    workers = await startWorkers({ ingestion: true, maintenance: false });
    const done = await waitForStatus(job.id, ["COMPLETED", "FAILED"], 90_000);

    expect(done).toMatchObject({ status: "COMPLETED", recordsProcessed: total, attempts: 2 });
    expect(h.zep.episodes(graphId)).toHaveLength(total);
    expect(duplicateKeys(h, graphId)).toEqual([]);
    // The replacement resumed from the cursor: it did not send again what the dead worker had written
    // (at most the one write in flight at the kill, whose episode key the resumed run found in the graph).
    const accepted = h.zep.requests(graphId).filter((r) => r.method === "POST" && r.path.endsWith("/api/v2/graph") && r.status === 202);
    expect(accepted).toHaveLength(total);
  }, 150_000);
});
