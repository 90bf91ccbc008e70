// Ingestion throughput and memory (`npm run bench`, called from scripts/bench.ts). The Zep sandbox runs in a
// process of its own (as Zep would), so the heap measured here is the ingestion's alone; the Nango sandbox
// stays in this process (its records are created before each measurement and counted in the baseline).
//   - 10,000 and 100,000 records of one sync into one graph: records/s and ledger SQL statements per page;
//     then the same size again for the peak live heap during the run (GC before every reading) above the
//     heap before it (a second run: the forced GCs would slow the timed one).
//   - 4 graphs in parallel with 2 worker processes (2 jobs each), against one graph alone (timed inside the
//     workers: from the first one's start to the last one's end).
//   - For each timed run, CPU per record by process (ingestion, Zep sandbox, PostgreSQL, from /proc) and how
//     busy that kept the cores; for the parallel run, the machine's bound: cores ÷ CPU per record.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { newZepClient } from "@/lib/zep";
import { runSyncJob } from "@/lib/ingest/sync-job";
import { ledgerStatements } from "@/lib/ingest/ledger";
import { leavePending, setIngestionQueue } from "@/lib/nango/ingestion";
import { connectedUser, NANGO_SECRET, NANGO_SIGNING, syncAndDeliver, type Harness } from "@/lib/test/ingest-harness";
import { startNangoSandbox } from "@/sandbox/nango";
import { cores, cpuSecondsOf, ownCpuSeconds, postgresCpuSeconds } from "./cpu";

const ROOT = path.resolve(import.meta.dirname, "../..");
const NODE = [...(process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []), "--conditions=react-server", "--import", "tsx"];
const ZEP_KEY = "zep-bench";
const PAGE = 500;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
const pct = (x: number) => `${Math.round(x * 100)}%`;
const rate = (n: number, s: number) => Math.round(n / s).toLocaleString("en-US");

function startZepProcess(port: number): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn("node", [...NODE, "sandbox/zep/main.ts"], {
    cwd: ROOT,
    env: { ...process.env, ZEP_SANDBOX_PORT: String(port), ZEP_API_KEY: ZEP_KEY },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`Zep sandbox exited (${code})`)));
    child.stdout!.on("data", (d: Buffer) => {
      const m = /listening at (\S+)/.exec(d.toString());
      if (m) resolve({ child, url: m[1]! });
    });
  });
}

type WorkerResult = { startedAt: number; endedAt: number; cpuSeconds: number; results: { outcome: string; recordsProcessed?: number }[] };

/** A worker process: `warm` settles once its warm-up job is done; `go()` starts its timed jobs; `done` has what they did. */
function startWorker(jobIds: string[], env: Record<string, string>) {
  const child = spawn("node", [...NODE, "scripts/bench/ingest-worker.ts", ...jobIds], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "inherit"] });
  let out = "";
  let markWarm: () => void = () => {};
  const warm = new Promise<void>((resolve) => (markWarm = resolve));
  child.stdout!.on("data", (d: Buffer) => {
    out += d.toString();
    if (/^warm$/m.test(out)) markWarm();
  });
  const done = new Promise<WorkerResult>((resolve, reject) =>
    child.once("exit", (code) => (code === 0 ? resolve(JSON.parse(out.trim().split("\n").at(-1)!)) : reject(new Error(`worker exited ${code}: ${out}`)))),
  );
  return { warm: Promise.race([warm, done.then(() => {})]), go: () => child.stdin!.end("go\n"), done };
}

/** CPU seconds of the processes an ingestion run uses, read together (see cpuSplit). */
function cpuNow(zepPid: number | undefined) {
  return { own: ownCpuSeconds(), zep: cpuSecondsOf(zepPid), postgres: postgresCpuSeconds() };
}

/** CPU per record by process between two readings, and how busy that kept the machine's cores. */
function cpuSplit(from: ReturnType<typeof cpuNow>, to: ReturnType<typeof cpuNow>, records: number, seconds: number, workerSeconds = 0) {
  const parts = { ingestion: to.own - from.own + workerSeconds, zep: to.zep - from.zep, postgres: to.postgres - from.postgres };
  const total = parts.ingestion + parts.zep + parts.postgres;
  const us = (s: number) => Math.round((s / records) * 1e6);
  return { perRecordUs: us(total), busy: total / seconds / cores(), text: `ingestion ${us(parts.ingestion)}, Zep sandbox ${us(parts.zep)}, PostgreSQL ${us(parts.postgres)}; total ${us(total)} µs` };
}

/** A sync of `n` new records into a graph of its own, run by runSyncJob: seconds, ledger statements, peak live heap. */
async function ingestOnce(h: Harness, client: ReturnType<typeof newZepClient>, n: number, opts: { sampleHeap?: boolean; zepPid?: number } = {}) {
  const { nangoConnectionId } = await connectedUser(h);
  const { job } = await syncAndDeliver(h, nangoConnectionId, { added: n });
  gc();
  const before = process.memoryUsage().heapUsed;
  let peak = before;
  // A GC before each reading: what is measured is what the run keeps alive, not garbage awaiting collection.
  const sampler = opts.sampleHeap
    ? setInterval(() => {
        gc();
        peak = Math.max(peak, process.memoryUsage().heapUsed);
      }, 1_000)
    : undefined;
  const statements = ledgerStatements();
  const cpuBefore = cpuNow(opts.zepPid);
  const start = performance.now();
  const result = await runSyncJob(job.id, { pageSize: PAGE, zep: { client } });
  const seconds = (performance.now() - start) / 1000;
  const cpu = cpuSplit(cpuBefore, cpuNow(opts.zepPid), n, seconds);
  clearInterval(sampler);
  if (opts.sampleHeap) {
    gc();
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }
  if (result.outcome !== "COMPLETED" || result.recordsProcessed !== n) throw new Error(`unexpected result ${JSON.stringify(result)}`);
  return { seconds, statements: ledgerStatements() - statements, peakHeap: peak - before, cpu };
}

export async function ingestionBench({ sizes = [10_000, 100_000], parallel = { graphs: 4, records: 10_000 } } = {}) {
  const zep = await startZepProcess(0); // any free port: it prints the one it got
  const nango = await startNangoSandbox({ secretKey: NANGO_SECRET, webhookSigningKey: NANGO_SIGNING, rateLimitPerMinute: 100_000_000 });
  const env = { NANGO_HOST: nango.url, NANGO_SECRET_KEY: NANGO_SECRET, NANGO_WEBHOOK_SIGNING_KEY: NANGO_SIGNING, ZEP_API_KEY: ZEP_KEY, ZEP_BASE_URL: zep.url };
  Object.assign(process.env, env);
  const h = { nango } as unknown as Harness; // connectedUser/syncAndDeliver need only the Nango sandbox
  const client = newZepClient({ apiKey: ZEP_KEY, baseUrl: zep.url });
  setIngestionQueue(leavePending); // webhook-made jobs stay PENDING: they are run here, timed
  console.log(`\nIngestion into the Zep sandbox (its own process), runSyncJob, pages of ${PAGE} records`);
  try {
    // records/s of one graph alone, by size: the parallel run is compared with the same size alone.
    const alone = new Map<number, number>();
    // A warm-up, not reported: the first thousands of records of a fresh process run before the JIT has
    // compiled the hot paths (of this process and of the Zep sandbox).
    await ingestOnce(h, client, 5_000);
    for (const n of sizes) {
      // Twice with the same number of new records: once timed, once with the heap sampled. A full GC every
      // second (what makes a reading the live heap) costs the run up to a third of its CPU, so it is kept
      // out of the timed one.
      const timed = await ingestOnce(h, client, n, { zepPid: zep.child.pid });
      const sampled = await ingestOnce(h, client, n, { sampleHeap: true });
      alone.set(n, n / timed.seconds);
      console.log(
        `  one graph, ${n.toLocaleString("en-US").padStart(7)} records: ${timed.seconds.toFixed(1)} s, ${rate(n, timed.seconds)} records/s; ` +
          `${(timed.statements / Math.ceil(n / PAGE)).toFixed(2)} ledger SQL statements per page (+1 per run); ` +
          `peak live heap above the start ${mb(sampled.peakHeap)} (second run, a full GC every second)\n` +
          `      CPU per record: ${timed.cpu.text} (this process, with the Nango sandbox); ${cores()} cores ${pct(timed.cpu.busy)} busy`,
      );
    }

    // 4 graphs (projects) in parallel, 2 worker processes with 2 jobs each.
    const jobs: string[] = [];
    for (let g = 0; g < parallel.graphs; g++) {
      const { nangoConnectionId } = await connectedUser(h, { projectId: `bench-${g}` });
      jobs.push((await syncAndDeliver(h, nangoConnectionId, { added: parallel.records })).job.id);
    }
    const warmups: string[] = [];
    for (let w = 0; w < 2; w++) {
      const { nangoConnectionId } = await connectedUser(h, { projectId: `bench-warmup-${w}` });
      warmups.push(`warmup:${(await syncAndDeliver(h, nangoConnectionId, { added: 5_000 })).job.id}`);
    }
    const half = Math.ceil(jobs.length / 2);
    const started = [startWorker([warmups[0]!, ...jobs.slice(0, half)], env), startWorker([warmups[1]!, ...jobs.slice(half)], env)];
    await Promise.all(started.map((w) => w.warm));
    const cpuBefore = cpuNow(zep.child.pid);
    for (const w of started) w.go();
    const workers = await Promise.all(started.map((w) => w.done));
    const cpuAfter = cpuNow(zep.child.pid);
    // From the first worker's first job to the last worker's end (the processes' start-up is not ingestion).
    const seconds = (Math.max(...workers.map((w) => w.endedAt)) - Math.min(...workers.map((w) => w.startedAt))) / 1000;
    const done = workers.flatMap((w) => w.results).filter((r) => r.outcome === "COMPLETED").length;
    const total = parallel.graphs * parallel.records;
    const oneGraphRate = alone.get(parallel.records) ?? [...alone.values()].at(-1) ?? NaN;
    const cpu = cpuSplit(cpuBefore, cpuAfter, total, seconds, workers.reduce((sum, w) => sum + w.cpuSeconds, 0));
    console.log(
      `  ${parallel.graphs} graphs in parallel, 2 workers, ${parallel.records.toLocaleString("en-US")} records each: ${seconds.toFixed(1)} s, ${rate(total, seconds)} records/s ` +
        `(${(total / seconds / oneGraphRate).toFixed(2)}× one graph; ${done}/${jobs.length} jobs completed)\n` +
        `      CPU per record: ${cpu.text} (ingestion: the workers, and this process with the Nango sandbox); ${cores()} cores ${pct(cpu.busy)} busy`,
    );
    // All processes share this machine's cores: however the graphs are spread, records/s cannot pass
    // cores ÷ CPU per record, and one graph alone already keeps most of them busy.
    const bound = (cores() * 1e6) / cpu.perRecordUs;
    console.log(
      `      bound: ${cores()} cores ÷ ${cpu.perRecordUs} µs per record = ${rate(bound, 1)} records/s at 100% busy, ${(bound / oneGraphRate).toFixed(2)}× one graph`,
    );
  } finally {
    setIngestionQueue(null);
    await nango.stop();
    zep.child.kill("SIGTERM");
  }
}

// On its own: `node --expose-gc --conditions=react-server --import tsx scripts/bench/ingestion.ts [sizes…] [--parallel=N]`;
// BENCH_CPU_PROF=<dir> (with --cpu-prof --cpu-prof-dir=<dir> on that command) also profiles the Zep sandbox and the workers.
if (process.argv[1]?.endsWith("ingestion.ts")) {
  const sizes = process.argv.slice(2).filter((a) => /^\d+$/.test(a)).map(Number);
  const p = Number(process.argv.find((a) => a.startsWith("--parallel="))?.slice(11) ?? 10_000);
  await ingestionBench({ ...(sizes.length ? { sizes } : {}), parallel: { graphs: 4, records: p } });
  process.exit(0);
}
