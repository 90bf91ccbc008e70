import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, loggedJob, withLogContext } from "./log";

/** A logger whose lines are collected as parsed objects. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>));
      done();
    },
  });
  return { logger: createLogger(stream, "info"), lines };
}

describe("log context", () => {
  it("puts the request id on every line written inside the context, and only there", async () => {
    const { logger, lines } = capture();
    await withLogContext({ requestId: "req-1" }, async () => {
      logger.info("first");
      await new Promise((r) => setTimeout(r, 1));
      logger.child({ part: "deep" }).warn("after an await");
      withLogContext({ step: 2 }, () => logger.info("nested"));
    });
    logger.info("outside");
    expect(lines.map(({ msg, requestId, step }) => ({ msg, requestId, step }))).toEqual([
      { msg: "first", requestId: "req-1", step: undefined },
      { msg: "after an await", requestId: "req-1", step: undefined },
      { msg: "nested", requestId: "req-1", step: 2 },
      { msg: "outside", requestId: undefined, step: undefined },
    ]);
  });
});

describe("loggedJob", () => {
  const job = { id: "job-7", name: "atlas-ingestion", data: { syncJobId: "s1" }, retryCount: 1 };

  it("logs start and end with the job id, attempt and result; lines written by the work carry the job id", async () => {
    const { logger, lines } = capture();
    const result = await loggedJob(async ([j]: (typeof job)[]) => {
      logger.info("working");
      return { outcome: "COMPLETED", recordsProcessed: 3, id: j!.id };
    }, logger)([job]);
    expect(result).toEqual({ outcome: "COMPLETED", recordsProcessed: 3, id: "job-7" });
    expect(lines.map((l) => [l.msg, l.jobId])).toEqual([["job started", "job-7"], ["working", "job-7"], ["job finished", "job-7"]]);
    expect(lines[2]).toMatchObject({ queue: "atlas-ingestion", attempt: 2, data: { syncJobId: "s1" }, result: { recordsProcessed: 3 } });
    expect(typeof lines[2]!.ms).toBe("number");
  });

  it("a routine job (the minute's activity fold) starts and ends below info, and still logs its failure", async () => {
    const { logger, lines } = capture();
    await loggedJob(async () => ({ deltas: 0 }), logger, { routine: true })([job]);
    expect(lines).toEqual([]);
    await expect(loggedJob(async () => Promise.reject(new Error("fold failed")), logger, { routine: true })([job])).rejects.toThrow("fold failed");
    expect(lines.map((l) => [l.level, l.msg])).toEqual([[50, "job failed"]]);
  });

  it("logs a failure with the error and rethrows it", async () => {
    const { logger, lines } = capture();
    await expect(loggedJob(async () => Promise.reject(new Error("zep is down")), logger)([job])).rejects.toThrow("zep is down");
    expect(lines.at(-1)).toMatchObject({ level: 50, msg: "job failed", jobId: "job-7", err: { message: "zep is down", type: "Error" } });
  });
});
