// Integration: ingestRecords against the Zep sandbox through the real SDK.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ZepClient } from "@getzep/zep-cloud";
import { startZepSandbox, type ZepSandbox } from "@/sandbox/zep";
import { graphIdFor, newZepClient, searchGraph, type ZepCallOptions } from "@/lib/zep";
import { prisma } from "@/lib/db/client";
import { ingestRecords, IngestError } from "./ingest";
import type { NangoRecord, RecordSource } from "./episodes";

const API_KEY = "k";
let sandbox: ZepSandbox;
let client: ZepClient;

beforeAll(async () => {
  sandbox = await startZepSandbox({ apiKey: API_KEY, processingMs: 5 });
  client = newZepClient({ apiKey: API_KEY, baseUrl: sandbox.url });
});
afterAll(() => sandbox.stop());

function issue(i: number, repo = "acme/atlas", word = "widget"): NangoRecord {
  return {
    id: String(i),
    repository_full_name: repo,
    number: i,
    title: `Issue ${i} about the ${word}`,
    state: "open",
    author: "octocat",
    body: `The ${word} number ${i} is broken.`,
    updated_at: new Date(Date.UTC(2025, 0, 1) + i * 60_000).toISOString(),
    _nango_metadata: {
      first_seen_at: "2025-08-01T00:00:00.000Z",
      last_modified_at: `2025-08-01T00:00:00.${String(i % 1000).padStart(3, "0")}Z`,
      last_action: "ADDED",
      deleted_at: null,
      cursor: `cursor-${i}`,
    },
  };
}

/** Yields records, running `at[i]` just before record i (to switch faults on mid-run). */
async function* stream(records: NangoRecord[], at: Record<number, () => void> = {}) {
  for (const [i, r] of records.entries()) {
    at[i]?.();
    yield r;
  }
}

const fastRetry = (sleeps: number[] = []): ZepCallOptions => ({
  client,
  retry: { baseDelayMs: 1, maxAttempts: 4, sleep: async (ms) => void sleeps.push(ms) },
});

let n = 0;
// The ledger's owner columns; graphs here are made up per test, the ledger rows follow them.
const owner = { organizationId: "org-ingest-test", projectKey: "p" };
const source = (): RecordSource => ({ provider: "github", connectionId: `conn-${n++}`, model: "Issue" });

describe("ingestRecords", () => {
  it("lands 5,000 records exactly once, even when the first run dies half way and is re-run from the start", async () => {
    const graphId = graphIdFor(`org-${Date.now()}`, "bulk");
    const src = source();
    const records = Array.from({ length: 5000 }, (_, i) => issue(i));

    const cursors: string[] = [];
    const first = await ingestRecords({
      // Records are read a page ahead of the writes: the stream reaching record 2,500 means the page from
      // 2,000 is about to be sent.
      records: stream(records, { 2500: () => sandbox.setFault({ status: 500, times: 1000 }) }),
      graphId,
      source: src, owner,
      zep: fastRetry(),
      writesPerGraph: 8,
      onCheckpoint: (c) => void cursors.push(c),
    }).catch((e) => e);
    sandbox.setFault(null);
    expect(first).toBeInstanceOf(IngestError);
    expect(first.progress.records).toBe(2000);
    expect(first.lastCursor).toBe("cursor-1999");
    // Eight records of the failing page were in flight, each through its 4 attempts; none of the page is done.
    expect(first.errors).toHaveLength(8 * 4);
    expect(first.errors.every((e: { code: string }) => e.code === "ZEP_UNAVAILABLE")).toBe(true);
    expect(cursors.at(-1)).toBe("cursor-1999");
    // The page read ahead (2,500-2,999) was looked up but never marked: the ledger has nothing of it, so the
    // next run has nothing to look for in the graph.
    expect(await prisma.graphWrite.count({ where: { graphId, recordId: { in: ["2500", "2750", "2999"] } } })).toBe(0);

    const progress: number[] = [];
    const second = await ingestRecords({ records: stream(records), graphId, source: src, owner, zep: fastRetry(), onProgress: (c) => progress.push(c) });
    expect(second).toMatchObject({ records: 5000, episodesWritten: 3000, episodesSkipped: 2000, errors: [] });
    expect(progress.at(-1)).toBe(5000);

    const stored = sandbox.episodes(graphId);
    expect(stored).toHaveLength(5000);
    expect(new Set(stored.map((e) => e.metadata?.recordId)).size).toBe(5000);
    expect(sandbox.maxInFlight(graphId)).toBeLessThanOrEqual(8);

    // A third run has nothing to do.
    const third = await ingestRecords({ records: stream(records.slice(0, 100)), graphId, source: src, owner, zep: fastRetry() });
    expect(third).toMatchObject({ episodesWritten: 0, episodesSkipped: 100 });
  }, 120_000); // ~8,000 HTTP round trips through the SDK

  it("a record listed again in the next page (changed while Nango was listed) is written once, at its latest version", async () => {
    const graphId = graphIdFor(`org-${Date.now()}`, "relisted");
    const src = source();
    const changed = { ...issue(1, "acme/atlas", "gadget"), _nango_metadata: { ...issue(1)._nango_metadata, last_modified_at: "2025-09-01T00:00:00.000Z", cursor: "cursor-1b" } };
    // Pages of two: [0, 1], [1 again (changed), 2], [3]. The second page waits for the first to be complete.
    const run = await ingestRecords({ records: stream([issue(0), issue(1), changed, issue(2), issue(3)]), graphId, source: src, owner, pageSize: 2, zep: { client } });
    expect(run).toMatchObject({ records: 5, recordsWritten: 5, episodesWritten: 5, episodesDeleted: 1 });
    const stored = sandbox.episodes(graphId);
    expect(stored.map((e) => e.metadata?.recordId).sort()).toEqual(["0", "1", "2", "3"]);
    expect(stored.find((e) => e.metadata?.recordId === "1")?.content).toContain("gadget");
    const row = await prisma.graphWrite.findFirstOrThrow({ where: { graphId, recordId: "1" } });
    expect(row).toMatchObject({ status: "WRITTEN", uncertain: false, version: "2025-09-01T00:00:00.000Z", episodeUuids: [stored.find((e) => e.metadata?.recordId === "1")!.uuid] });
  });

  it("a checkpoint that fails ends the run with its error: no later checkpoint, no further page marked, the page in flight completed", async () => {
    const slow = await startZepSandbox({ apiKey: API_KEY, latencyMs: 60 }); // page 2's writes outlast page 1's failed checkpoint
    try {
      const graphId = graphIdFor(`org-${Date.now()}`, "checkpoint-fails");
      const records = Array.from({ length: 6 }, (_, i) => issue(i));
      const cursors: string[] = [];
      const run = await ingestRecords({
        records: stream(records),
        graphId,
        source: source(),
        owner,
        pageSize: 2,
        zep: { client: newZepClient({ apiKey: API_KEY, baseUrl: slow.url }) },
        onCheckpoint: async (cursor) => {
          cursors.push(cursor);
          if (cursor === "cursor-1") throw new Error("the job row could not be saved");
        },
      }).catch((e) => e);
      expect(run).toBeInstanceOf(Error);
      expect(run.message).toBe("the job row could not be saved");
      expect(cursors).toEqual(["cursor-1"]);
      const rows = await prisma.graphWrite.findMany({ where: { graphId }, orderBy: { recordId: "asc" } });
      // Pages 1 and 2 complete (page 2 was in flight), page 3 never marked.
      expect(rows.map((r) => [r.recordId, r.status])).toEqual([["0", "WRITTEN"], ["1", "WRITTEN"], ["2", "WRITTEN"], ["3", "WRITTEN"]]);
      expect(slow.episodes(graphId)).toHaveLength(4);
    } finally {
      await slow.stop();
    }
  });

  it("a run told to stop leaves the page it read ahead untouched, and closes the caller's record stream", async () => {
    const graphId = graphIdFor(`org-${Date.now()}`, "stops");
    let closed = false;
    const records = (async function* () {
      try {
        yield* stream(Array.from({ length: 10 }, (_, i) => issue(i)));
      } finally {
        closed = true;
      }
    })();
    let pagesDone = 0;
    const run = await ingestRecords({ records, graphId, source: source(), owner, pageSize: 3, zep: { client }, onCheckpoint: () => void pagesDone++, shouldStop: () => pagesDone >= 1 });
    expect(run.records).toBeGreaterThanOrEqual(3);
    expect(run.records).toBeLessThan(10);
    expect(closed).toBe(true);
    const rows = await prisma.graphWrite.findMany({ where: { graphId } });
    expect(rows).toHaveLength(run.records);
    expect(rows.every((r) => r.status === "WRITTEN")).toBe(true);
  });

  it("writes up to writesPerGraph records of a page to one graph at once, never more", async () => {
    const slow = await startZepSandbox({ apiKey: API_KEY, latencyMs: 15 });
    try {
      const graphId = graphIdFor(`org-lanes-${Date.now()}`, "default");
      const records = Array.from({ length: 40 }, (_, i) => issue(i));
      const run = await ingestRecords({ records: stream(records), graphId, source: source(), owner, writesPerGraph: 4, zep: { client: newZepClient({ apiKey: API_KEY, baseUrl: slow.url }) } });
      expect(run).toMatchObject({ records: 40, recordsWritten: 40, episodesWritten: 40 });
      expect(slow.maxInFlight(graphId)).toBe(4);
      expect(new Set(slow.episodes(graphId).map((e) => e.metadata?.recordId)).size).toBe(40);
    } finally {
      await slow.stop();
    }
  });

  it("two runs of the same records started together write each episode once", async () => {
    const graphId = graphIdFor(`org-${Date.now()}`, "twice");
    const src = source();
    const records = Array.from({ length: 100 }, (_, i) => issue(i));
    const [a, b] = await Promise.all([
      ingestRecords({ records: stream(records), graphId, source: src, owner, zep: fastRetry() }),
      ingestRecords({ records: stream(records), graphId, source: src, owner, zep: fastRetry() }),
    ]);
    expect(a.episodesWritten + b.episodesWritten).toBe(100);
    expect(a.episodesSkipped + b.episodesSkipped).toBe(100);
    expect(sandbox.episodes(graphId)).toHaveLength(100);
  });

  it("finishes through a 429 storm, honouring Retry-After, with the errors recorded", async () => {
    const graphId = graphIdFor(`org-${Date.now()}`, "storm");
    const sleeps: number[] = [];
    const seen: string[] = [];
    const result = await ingestRecords({
      records: stream(Array.from({ length: 50 }, (_, i) => issue(i)), { 10: () => sandbox.setFault({ status: 429, retryAfterSeconds: 2, times: 3 }) }),
      graphId,
      source: source(), owner,
      zep: { ...fastRetry(sleeps), onError: (e) => seen.push(e.code) },
    });
    expect(result.records).toBe(50);
    expect(result.episodesWritten).toBe(50);
    expect(result.errors).toEqual(Array(3).fill({ message: expect.any(String), code: "RATE_LIMIT", timestamp: expect.any(String), retryAfter: 2 }));
    expect(seen).toEqual(["RATE_LIMIT", "RATE_LIMIT", "RATE_LIMIT"]); // the caller's own onError still hears them
    expect(sleeps).toEqual([2000, 2000, 2000]);
    expect(sandbox.episodes(graphId)).toHaveLength(50);
  });

  it("finishes through a 5xx burst with the errors recorded and nothing duplicated", async () => {
    const graphId = graphIdFor(`org-${Date.now()}`, "burst");
    const result = await ingestRecords({
      records: stream(Array.from({ length: 50 }, (_, i) => issue(i)), {
        5: () => sandbox.setFault({ status: 503, times: 2 }),
        30: () => sandbox.setFault({ status: 500, times: 3 }),
      }),
      // Ledger pages of 10 records, so the two bursts start in different pages (a page is read before it is written).
      pageSize: 10,
      graphId,
      source: source(), owner,
      zep: fastRetry(),
    });
    expect(result.errors.map((e) => e.code)).toEqual(Array(5).fill("ZEP_UNAVAILABLE"));
    expect(result.errors.map((e) => e.message)).toEqual([
      expect.stringContaining("503"),
      expect.stringContaining("503"),
      expect.stringContaining("500"),
      expect.stringContaining("500"),
      expect.stringContaining("500"),
    ]);
    expect(sandbox.episodes(graphId)).toHaveLength(50);
  });

  it("writes a long record as ordered chunks, and two organizations never see each other's episodes", async () => {
    const graphA = graphIdFor(`org-a-${Date.now()}`, "default");
    const graphB = graphIdFor(`org-b-${Date.now()}`, "default");
    const long = { ...issue(1, "acme/atlas", "aardvark"), body: "aardvark ".repeat(3000) };
    await Promise.all([
      ingestRecords({ records: stream([long, issue(2, "acme/atlas", "aardvark")]), graphId: graphA, source: source(), owner, zep: fastRetry() }),
      ingestRecords({ records: stream([issue(1, "globex/core", "zebra")]), graphId: graphB, source: source(), owner, zep: fastRetry() }),
    ]);
    const a = sandbox.episodes(graphA);
    // Records are written side by side; one record's chunks land in order.
    const chunksOf = (id: string) => a.filter((e) => e.metadata?.recordId === id).map((e) => [e.metadata?.chunkIndex, e.metadata?.chunkCount]);
    expect(chunksOf("1")).toEqual([[0, 3], [1, 3], [2, 3]]);
    expect(chunksOf("2")).toEqual([[0, 1]]);
    expect(a).toHaveLength(4);
    expect(a.every((e) => !e.content.includes("zebra"))).toBe(true);
    expect(sandbox.episodes(graphB).every((e) => !e.content.includes("aardvark"))).toBe(true);

    await new Promise((r) => setTimeout(r, 20));
    expect((await searchGraph(graphA, "zebra", 10, { client })).episodes).toEqual([]);
    expect((await searchGraph(graphB, "aardvark", 10, { client })).episodes).toEqual([]);
    expect((await searchGraph(graphB, "zebra", 10, { client })).facts).toHaveLength(1);
  });
});
