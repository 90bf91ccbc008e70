// A bench worker process: runs the given sync jobs concurrently (one per graph), as an ingestion worker with
// that concurrency would, and prints one JSON line with what each did. Started by scripts/bench/ingestion.ts.
import readline from "node:readline";
import { prisma } from "@/lib/db/client";
import { ledgerStatements } from "@/lib/ingest/ledger";
import { runSyncJob } from "@/lib/ingest/sync-job";
import { ownCpuSeconds } from "./cpu";

// `warmup:<jobId>` first: a job run before the timed ones, so they do not run before the JIT has compiled the
// hot paths (the one-graph measurement is warmed up the same way).
const warmups = process.argv.slice(2).filter((a) => a.startsWith("warmup:")).map((a) => a.slice(7));
const ids = process.argv.slice(2).filter((a) => !a.startsWith("warmup:"));
for (const id of warmups) await runSyncJob(id, { pageSize: 500 });
// Warm: say so, and start the timed jobs when the bench says "go" (every worker at once, so the bench can
// read the other processes' CPU time over the same window).
console.log("warm");
const lines = readline.createInterface({ input: process.stdin });
let go = false;
for await (const line of lines) if ((go = line.trim() === "go")) break;
lines.close();
// The bench went away (its stdin closed) without starting the timed jobs: nothing to measure, nothing to run.
if (!go) process.exit(1);
// Wall-clock times (not performance.now(), which is per process): the bench takes the window from the first
// worker's start to the last one's end, without the processes' start-up (loading TypeScript).
const cpuAtStart = ownCpuSeconds();
const statements = ledgerStatements();
const startedAt = Date.now();
const results = await Promise.all(ids.map((id) => runSyncJob(id, { pageSize: 500 })));
console.log(JSON.stringify({ startedAt, endedAt: Date.now(), cpuSeconds: ownCpuSeconds() - cpuAtStart, ledgerStatements: ledgerStatements() - statements, results }));
await prisma.$disconnect();
process.exit(0);
