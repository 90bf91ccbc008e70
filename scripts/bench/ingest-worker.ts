// A bench worker process: runs the given sync jobs concurrently (one per graph), as an ingestion worker with
// that concurrency would, and prints one JSON line with what each did. Started by scripts/bench/ingestion.ts.
import { prisma } from "@/lib/db/client";
import { runSyncJob } from "@/lib/ingest/sync-job";

const ids = process.argv.slice(2);
const start = performance.now();
const results = await Promise.all(ids.map((id) => runSyncJob(id, { pageSize: 500 })));
console.log(JSON.stringify({ seconds: (performance.now() - start) / 1000, results }));
await prisma.$disconnect();
process.exit(0);
