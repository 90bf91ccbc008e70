// Structured logs (pino, one JSON object per line on stdout). Every line of a request or a job carries its
// id: take a child logger with requestLog() or jobLog() and pass it down instead of the base `log`.
import "server-only";
import { randomUUID } from "node:crypto";
import pino, { type Logger } from "pino";
import { logLevel } from "@/lib/env";

export type { Logger };

export const log: Logger = pino({ level: logLevel(), base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime });

/** A logger for one request; the id is the caller's (e.g. a trace header) or a new one. */
export const requestLog = (requestId: string = randomUUID(), bindings: Record<string, unknown> = {}): Logger =>
  log.child({ requestId, ...bindings });

/** A logger for one queue job: its pg-boss id, its queue and anything else worth a field (syncJobId). */
export const jobLog = (jobId: string, bindings: Record<string, unknown> = {}): Logger => log.child({ jobId, ...bindings });

/** An error as log fields: pino's `err` serializer keeps message, type and stack. */
export const errorFields = (err: unknown) => ({ err: err instanceof Error ? err : new Error(String(err)) });

type QueueJob = { id: string; name: string; data: unknown; retryCount?: number };

/**
 * A queue handler (one job per call) whose job logs a line when it starts, when it ends (with what it
 * returned: outcome and counts) and when it fails, each with the job's id, queue, payload and duration.
 */
export function loggedJob<J extends QueueJob, R>(handler: (jobs: J[]) => Promise<R>): (jobs: J[]) => Promise<R> {
  return async (jobs) => {
    const job = jobs[0];
    if (!job) return handler(jobs);
    const jl = jobLog(job.id, { queue: job.name, data: job.data, attempt: (job.retryCount ?? 0) + 1 });
    const started = performance.now();
    jl.info("job started");
    try {
      const result = await handler(jobs);
      jl.info({ result, ms: Math.round(performance.now() - started) }, "job finished");
      return result;
    } catch (err) {
      jl.error({ ...errorFields(err), ms: Math.round(performance.now() - started) }, "job failed");
      throw err;
    }
  };
}
