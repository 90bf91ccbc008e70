// Ingestion throughput and memory (`npm run bench`, called from scripts/bench.ts). Each part runs in a
// process of its own, as in a deployment: the Zep sandbox, the Nango sandbox (this process) and the ingestion
// (worker processes, warmed up with 5,000 records, then their timed jobs all started at once). Every
// measurement starts fresh stand-ins, so none pays for the records an earlier one left in their memory.
//   - 10,000 and 100,000 records of one sync into one graph, in one worker: records/s and ledger SQL
//     statements per page; then the same size again in this process for the peak live heap during the run
//     (GC before every reading) above the heap before it (the forced GCs would slow a timed run).
//   - 4 graphs in parallel with 2 worker processes (2 jobs each), timed inside the workers (from the first
//     one's start to the last one's end), against one graph alone just before and just after it.
//   - For each timed run, CPU per record by process (from /proc) and how busy that kept the cores; for the
//     parallel run, the machine's bound: cores ÷ CPU per record.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { newZepClient } from "@/lib/zep";
import { runSyncJob } from "@/lib/ingest/sync-job";
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

/** The Zep sandbox in a process of its own, on any free port (it prints the one it got). */
function startZepProcess(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn("node", [...NODE, "sandbox/zep/main.ts"], {
    cwd: ROOT,
    env: { ...process.env, ZEP_SANDBOX_PORT: "0", ZEP_API_KEY: ZEP_KEY },
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

type WorkerResult = { startedAt: number; endedAt: number; cpuSeconds: number; ledgerStatements: number; results: { outcome: string; recordsProcessed?: number }[] };

/**
 * A worker process: `warm` settles once its warm-up job is done (and rejects if it exits before), `go()` starts
 * its timed jobs, `done` has what they did, `kill()` ends it if it still runs (a failed measurement).
 */
function startWorker(jobIds: string[], env: Record<string, string>) {
  const child = spawn("node", [...NODE, "scripts/bench/ingest-worker.ts", ...jobIds], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "inherit"] });
  child.stdin!.on("error", () => {}); // a worker gone before "go": its exit is reported by `done`
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
  const exitedCold = done.then(() => Promise.reject(new Error(`worker exited before its warm-up was done: ${out}`)));
  return {
    warm: Promise.race([warm, exitedCold]),
    go: () => child.stdin!.end("go\n"),
    done,
    kill: () => child.exitCode === null && child.signalCode === null && child.kill("SIGKILL"),
  };
}

// The PostgreSQL server of DATABASE_URL, whose processes' CPU is counted when it runs on this machine.
const PG_PORT = Number(new URL(process.env.DATABASE_URL ?? "postgresql://localhost").port || 5432);

/** CPU seconds of this process (the Nango sandbox, and the bench's own reading), the Zep sandbox and PostgreSQL. */
function cpuNow(zepPid: number | undefined) {
  return { nango: ownCpuSeconds(), zep: cpuSecondsOf(zepPid), postgres: postgresCpuSeconds(PG_PORT) };
}

/** CPU per record by process between two readings (the workers' own CPU added), and how busy the cores were. */
function cpuSplit(from: ReturnType<typeof cpuNow>, to: ReturnType<typeof cpuNow>, workerSeconds: number, records: number, seconds: number) {
  const postgres = to.postgres - from.postgres; // NaN when the server is not on this machine
  const parts = { ingestion: workerSeconds, nango: to.nango - from.nango, zep: to.zep - from.zep };
  const total = parts.ingestion + parts.nango + parts.zep + (Number.isNaN(postgres) ? 0 : postgres);
  const us = (s: number) => Math.round((s / records) * 1e6);
  return {
    perRecordUs: us(total),
    busy: total / seconds / cores(),
    text:
      `ingestion ${us(parts.ingestion)}, Nango sandbox ${us(parts.nango)}, Zep sandbox ${us(parts.zep)}, ` +
      `PostgreSQL ${Number.isNaN(postgres) ? "not on this machine" : us(postgres)}; total ${us(total)} µs`,
  };
}

/** A sync job of `n` new records into a graph of its own, ready to run (its records in the Nango sandbox). */
async function prepareSync(h: Harness, n: number): Promise<string> {
  const { nangoConnectionId } = await connectedUser(h);
  return (await syncAndDeliver(h, nangoConnectionId, { added: n })).job.id;
}

/** Stand-ins for one measurement, started fresh: both keep what they are sent in memory, and a heap that
 *  grew over earlier measurements made their CPU per record grow with it (up to 2× by the end of the bench). */
async function startStandIns() {
  const zep = await startZepProcess();
  const nango = await startNangoSandbox({ secretKey: NANGO_SECRET, webhookSigningKey: NANGO_SIGNING, rateLimitPerMinute: 100_000_000 }).catch((err) => {
    zep.child.kill("SIGTERM");
    throw err;
  });
  const env = { NANGO_HOST: nango.url, NANGO_SECRET_KEY: NANGO_SECRET, NANGO_WEBHOOK_SIGNING_KEY: NANGO_SIGNING, ZEP_API_KEY: ZEP_KEY, ZEP_BASE_URL: zep.url };
  Object.assign(process.env, env); // this process's own calls (webhooks delivered, the heap run) go to them too
  return {
    env,
    zepPid: zep.child.pid,
    h: { nango } as unknown as Harness, // connectedUser/syncAndDeliver need only the Nango sandbox
    client: newZepClient({ apiKey: ZEP_KEY, baseUrl: zep.url }),
    async stop() {
      zep.child.kill("SIGTERM");
      await nango.stop();
    },
  };
}
type StandIns = Awaited<ReturnType<typeof startStandIns>>;

async function withStandIns<T>(fn: (s: StandIns) => Promise<T>): Promise<T> {
  const s = await startStandIns();
  try {
    return await fn(s);
  } finally {
    await s.stop();
  }
}

/**
 * One timed run on fresh stand-ins: each group's syncs (their sizes) in a worker process of its own, run
 * concurrently; every worker warmed up first, then all started at once. Seconds from the first start to the
 * last end, records/s, ledger statements, CPU by process.
 */
async function timedRun(groups: number[][]) {
  return withStandIns(async (s) => {
    const jobs: string[][] = [];
    for (const sizes of groups) {
      const ids = [`warmup:${await prepareSync(s.h, 5_000)}`];
      for (const n of sizes) ids.push(await prepareSync(s.h, n));
      jobs.push(ids);
    }
    const workers = jobs.map((ids) => startWorker(ids, s.env));
    let before, done, after;
    try {
      await Promise.all(workers.map((w) => w.warm));
      before = cpuNow(s.zepPid);
      for (const w of workers) w.go();
      done = await Promise.all(workers.map((w) => w.done));
      after = cpuNow(s.zepPid);
    } finally {
      for (const w of workers) w.kill(); // none left behind a failed measurement
    }
    const seconds = (Math.max(...done.map((w) => w.endedAt)) - Math.min(...done.map((w) => w.startedAt))) / 1000;
    const results = done.flatMap((w) => w.results);
    const records = results.reduce((sum, r) => sum + (r.recordsProcessed ?? 0), 0);
    const expected = groups.flat().reduce((sum, n) => sum + n, 0);
    const completed = results.filter((r) => r.outcome === "COMPLETED").length;
    if (completed !== results.length || records !== expected) throw new Error(`unexpected results: ${JSON.stringify(results)}`);
    return {
      seconds,
      records,
      rate: records / seconds,
      jobs: results.length,
      statements: done.reduce((sum, w) => sum + w.ledgerStatements, 0),
      cpu: cpuSplit(before, after, done.reduce((sum, w) => sum + w.cpuSeconds, 0), records, seconds),
    };
  });
}

/** The peak live heap of a sync of `n` new records run in this process (a full GC before every reading). */
async function peakHeapOf({ h, client }: StandIns, n: number) {
  const jobId = await prepareSync(h, n);
  gc();
  const before = process.memoryUsage().heapUsed;
  let peak = before;
  // A GC before each reading: what is measured is what the run keeps alive, not garbage awaiting collection.
  const sampler = setInterval(() => {
    gc();
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }, 1_000);
  const result = await runSyncJob(jobId, { pageSize: PAGE, zep: { client } }).finally(() => clearInterval(sampler));
  gc();
  peak = Math.max(peak, process.memoryUsage().heapUsed);
  if (result.outcome !== "COMPLETED" || result.recordsProcessed !== n) throw new Error(`unexpected result ${JSON.stringify(result)}`);
  return peak - before;
}

export async function ingestionBench({ sizes = [10_000, 100_000], parallel = { graphs: 4, records: 10_000 } } = {}) {
  setIngestionQueue(leavePending); // webhook-made jobs stay PENDING: they are run by the bench, timed
  const busy = (run: { cpu: { busy: number } }) => `${cores()} cores ${pct(run.cpu.busy)} busy`;
  console.log(`\nIngestion into the Zep sandbox, runSyncJob in worker processes, pages of ${PAGE} records (CPU per record from /proc)`);
  try {
    for (const n of sizes) {
      const timed = await timedRun([[n]]);
      const peakHeap = await withStandIns(async (s) => {
        await peakHeapOf(s, 5_000); // a warm-up of this process, not reported
        return peakHeapOf(s, n);
      });
      console.log(
        `  one graph, ${n.toLocaleString("en-US").padStart(7)} records: ${timed.seconds.toFixed(1)} s, ${rate(n, timed.seconds)} records/s; ` +
          `${(timed.statements / Math.ceil(n / PAGE)).toFixed(2)} ledger SQL statements per page (+1 per run); ` +
          `peak live heap above the start ${mb(peakHeap)} (a second run, in this process, a full GC every second)\n` +
          `      CPU per record: ${timed.cpu.text}; ${busy(timed)}`,
      );
    }

    // 4 graphs in parallel, 2 worker processes with 2 jobs each, between two runs of one graph alone of the
    // same size: this machine's speed drifts by a third within minutes, so the ratio is taken against the
    // mean of the runs just before and just after.
    const n = parallel.records.toLocaleString("en-US");
    type Run = Awaited<ReturnType<typeof timedRun>>;
    const oneLine = (label: string, run: Run) =>
      `  one graph, ${n} records, ${label}: ${run.seconds.toFixed(1)} s, ${rate(run.records, run.seconds)} records/s; CPU per record: ${run.cpu.text}; ${busy(run)}`;
    const before = await timedRun([[parallel.records]]);
    console.log(oneLine("just before", before));
    const firstWorker = Math.ceil(parallel.graphs / 2); // graphs in the first worker, the rest in the second
    const graphsOf = (count: number) => Array.from({ length: count }, () => parallel.records);
    const par = await timedRun([graphsOf(firstWorker), graphsOf(parallel.graphs - firstWorker)]);
    const after = await timedRun([[parallel.records]]);
    const oneGraphRate = (before.rate + after.rate) / 2;
    console.log(
      `  ${parallel.graphs} graphs in parallel, 2 workers, ${n} records each: ${par.seconds.toFixed(1)} s, ${rate(par.records, par.seconds)} records/s ` +
        `(${(par.rate / oneGraphRate).toFixed(2)}× one graph, the mean of just before and just after; ${par.jobs} jobs completed)\n` +
        `      CPU per record: ${par.cpu.text}; ${busy(par)}`,
    );
    console.log(oneLine("just after", after));
    // All processes share this machine's cores: however the graphs are spread, records/s cannot pass
    // cores ÷ CPU per record, and one graph alone already keeps most of them busy.
    const bound = (cores() * 1e6) / par.cpu.perRecordUs;
    console.log(
      `      bound for the parallel run: ${cores()} cores ÷ ${par.cpu.perRecordUs} µs per record = ${rate(bound, 1)} records/s at 100% busy, ${(bound / oneGraphRate).toFixed(2)}× one graph`,
    );
  } finally {
    setIngestionQueue(null);
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
