// Structured logs (pino, one JSON object per line on stdout). Every line written while a request or a job
// runs carries its id: withLogContext() opens the context (lib/audit/record.ts does for server actions,
// loggedJob for queue jobs) and every logger adds its fields, so code deep inside needs only `log`.
import "server-only";
import { AsyncLocalStorage } from "node:async_hooks";
import pino, { type DestinationStream, type Logger } from "pino";
import { logLevel } from "@/lib/env";

export type { Logger };

const context = new AsyncLocalStorage<Record<string, unknown>>();

/** Runs `work` with `bindings` (requestId, jobId, ...) on every log line it writes, nested contexts merged. */
export function withLogContext<T>(bindings: Record<string, unknown>, work: () => T): T {
  return context.run({ ...context.getStore(), ...bindings }, work);
}

/** A logger on stdout (or `destination`) that adds the current context's fields to every line. */
export function createLogger(destination?: DestinationStream, level: string = logLevel()): Logger {
  const options = { level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime, mixin: () => context.getStore() ?? {} };
  return destination ? pino(options, destination) : pino(options);
}

export const log: Logger = createLogger();

/** An error as log fields: pino's `err` serializer keeps message, type and stack. */
export const errorFields = (err: unknown) => ({ err: err instanceof Error ? err : new Error(String(err)) });

type QueueJob = { id: string; name: string; data: unknown; retryCount?: number };

/**
 * A queue handler (one job per call) whose job logs a line when it starts, when it ends (with what it
 * returned: outcome and counts) and when it fails, each with the job's id, queue, payload and duration.
 * `routine`: start and end at debug level (a job every minute would fill the log); failures stay errors.
 */
export function loggedJob<J extends QueueJob, R>(handler: (jobs: J[]) => Promise<R>, logger: Logger = log, opts: { routine?: boolean } = {}): (jobs: J[]) => Promise<R> {
  return async (jobs) => {
    const job = jobs[0];
    if (!job) return handler(jobs);
    const jl = logger.child({ jobId: job.id, queue: job.name, data: job.data, attempt: (job.retryCount ?? 0) + 1 });
    const started = performance.now();
    const level = opts.routine ? "debug" : "info";
    jl[level]("job started");
    try {
      const result = await withLogContext({ jobId: job.id }, () => handler(jobs));
      jl[level]({ result, ms: Math.round(performance.now() - started) }, "job finished");
      return result;
    } catch (err) {
      jl.error({ ...errorFields(err), ms: Math.round(performance.now() - started) }, "job failed");
      throw err;
    }
  };
}
