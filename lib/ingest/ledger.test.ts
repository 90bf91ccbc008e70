// The ledger's guarantees against the Zep sandbox (which orders lastn by valid time, as Zep does) and
// real PostgreSQL: no duplicate after a backfill into a big graph, exactly once after lost answers,
// poison records recorded and retried.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/client";
import { setIngestionQueue } from "@/lib/nango/ingestion";
import { connectedUser, duplicateKeys, startHarness, syncAndDeliver, type Harness } from "@/lib/test/ingest-harness";
import { ensureGraph, graphIdFor, type ZepCallOptions } from "@/lib/zep";
import type { NangoRecord, RecordSource } from "./episodes";
import { listFailedRecords, retryFailedRecords } from "./failed-records";
import { ingestRecords } from "./ingest";
import { ledgerStatements } from "./ledger";
import { runSyncJob } from "./sync-job";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  setIngestionQueue(async () => {}); // jobs stay PENDING for the direct runSyncJob calls below
});
afterAll(async () => {
  setIngestionQueue(null);
  await h?.stop();
});
afterEach(() => {
  h.zep.setFault(null);
  h.zep.setPoison(null);
});

let n = 0;
const fresh = () => {
  const organizationId = `org-ledger-${Date.now()}-${n++}`;
  return { graphId: graphIdFor(organizationId, "p"), owner: { organizationId, projectKey: "p" }, source: { provider: "github", connectionId: `conn-ledger-${n}`, model: "Issue" } as RecordSource };
};
const zep = (): ZepCallOptions => ({ client: h.zepClient, retry: { baseDelayMs: 1, sleep: async () => {} } });

function issue(i: number, at: string): NangoRecord {
  return {
    id: String(i),
    repository_full_name: "acme/atlas",
    number: i,
    title: `Backfilled issue ${i}`,
    state: "open",
    body: `Old issue ${i}.`,
    updated_at: at,
    _nango_metadata: { first_seen_at: at, last_modified_at: at, last_action: "ADDED", deleted_at: null, cursor: `c-${i}` },
  };
}

const requestsOf = (graphId: string, pred: (r: { method: string; path: string }) => boolean) => h.zep.requests(graphId).filter(pred).length;

describe("ledger", () => {
  it("a backfill of old records into a graph holding 20,000 newer episodes writes each once, without reading the graph back", async () => {
    const t = fresh();
    await ensureGraph(t.graphId, zep());
    // 20,000 newer episodes, in batches (the deprecated batch call is only used to fill the graph fast).
    for (let b = 0; b < 1_000; b++)
      await h.zepClient.graph.addBatch(
        { graphId: t.graphId, episodes: Array.from({ length: 20 }, (_, i) => ({ type: "text" as const, data: `newer ${b * 20 + i}`, createdAt: "2026-11-01T00:00:00.000Z" })) },
        { maxRetries: 0 },
      );
    const old = Array.from({ length: 300 }, (_, i) => issue(i, new Date(Date.UTC(2019, 0, 1) + i * 60_000).toISOString()));

    const before = ledgerStatements();
    const first = await ingestRecords({ records: old, graphId: t.graphId, source: t.source, owner: t.owner, zep: zep(), pageSize: 100 });
    expect(first).toMatchObject({ records: 300, episodesWritten: 300, episodesSkipped: 0 });
    // Three pages, at most three ledger statements each (lookup, PENDING marks, completion).
    expect(ledgerStatements() - before).toBeLessThanOrEqual(9);

    const readBack = () => requestsOf(t.graphId, (r) => r.method === "GET" && r.path.includes("/graph/episodes/graph/"));
    expect(readBack()).toBe(0);
    // The backfilled episodes are not among the graph's "last" episodes (valid time), yet a re-run writes nothing.
    const { episodes: last } = await h.zepClient.graph.episode.getByGraphId(t.graphId, { lastn: 10_000 });
    expect(last!.some((e) => e.metadata?.recordId === "0")).toBe(false);
    const again = await ingestRecords({ records: old, graphId: t.graphId, source: t.source, owner: t.owner, zep: zep(), pageSize: 100 });
    expect(again).toMatchObject({ records: 300, episodesWritten: 0, episodesSkipped: 300 });
    expect(h.zep.episodes(t.graphId)).toHaveLength(20_300);
    expect(duplicateKeys(h, t.graphId).filter((k) => k !== "undefined")).toEqual([]);
    expect(readBack()).toBe(1); // the test's own lastn call, none by ingestion
  }, 120_000);

  it("exactly once when graph.add's answer is lost (timeout): the landed episode is found by key, not sent again", async () => {
    const t = fresh();
    await ensureGraph(t.graphId, zep());
    const records = Array.from({ length: 5 }, (_, i) => issue(i, "2020-01-01T00:00:00.000Z"));
    // The third write is answered too late: the client gives up, the sandbox stores it anyway.
    let i = 0;
    const stream = (async function* () {
      for (const r of records) {
        // Read a page (here one record) ahead: handing out record 3 means record 2 is about to be sent.
        if (i++ === 3) h.zep.setFault({ delayMs: 300, times: 1 });
        yield r;
      }
    })();
    const result = await ingestRecords({
      records: stream,
      graphId: t.graphId,
      source: t.source,
      owner: t.owner,
      pageSize: 1,
      zep: { client: h.zepClient, retry: { timeoutSeconds: 0.1, baseDelayMs: 500 } },
    });
    expect(result.errors.map((e) => e.code)).toEqual(["TIMEOUT"]);
    expect(h.zep.episodes(t.graphId)).toHaveLength(5);
    const rows = await prisma.graphWrite.findMany({ where: { graphId: t.graphId } });
    expect(rows.every((r) => r.status === "WRITTEN" && !r.uncertain && r.episodeUuids.length === 1)).toBe(true);
    expect(new Set(rows.flatMap((r) => r.episodeUuids))).toEqual(new Set(h.zep.episodes(t.graphId).map((e) => e.uuid)));
  });

  it("exactly once when an answer is lost and Zep then stays down until the run stops: the resumed run finds the landed episode", async () => {
    const t = fresh();
    await ensureGraph(t.graphId, zep());
    const records = Array.from({ length: 5 }, (_, i) => issue(i, "2022-01-01T00:00:00.000Z"));
    // The third write lands but its answer is lost (timeout); Zep then answers 503 to everything, the lookup
    // by key included, until the run gives up and stops at that record.
    let i = 0;
    const stream = (async function* () {
      for (const r of records) {
        // Read a page (here one record) ahead: handing out record 3 means record 2 is about to be sent.
        if (i++ === 3) h.zep.setFault({ delayMs: 300, times: 1 });
        yield r;
      }
    })();
    const down = async () => {
      h.zep.setFault({ status: 503, times: 1_000 });
      await new Promise((r) => setTimeout(r, 400)); // the late write has landed meanwhile
    };
    const first = ingestRecords({
      records: stream,
      graphId: t.graphId,
      source: t.source,
      owner: t.owner,
      pageSize: 1,
      zep: { client: h.zepClient, retry: { timeoutSeconds: 0.1, maxAttempts: 3, sleep: down } },
    });
    await expect(first).rejects.toThrow(/Ingest stopped after 2 records/);
    expect(h.zep.episodes(t.graphId)).toHaveLength(3);

    // Zep is back; the job's retry resumes from the saved cursor (here: from the start).
    h.zep.setFault(null);
    const resumed = await ingestRecords({ records, graphId: t.graphId, source: t.source, owner: t.owner, zep: zep(), pageSize: 1 });
    expect(resumed).toMatchObject({ records: 5, episodesWritten: 2 });
    expect(h.zep.episodes(t.graphId)).toHaveLength(5);
    expect(duplicateKeys(h, t.graphId)).toEqual([]);
    const rows = await prisma.graphWrite.findMany({ where: { graphId: t.graphId } });
    expect(new Set(rows.flatMap((r) => r.episodeUuids))).toEqual(new Set(h.zep.episodes(t.graphId).map((e) => e.uuid)));
  });

  it("exactly once after a crash between Zep's answers and the ledger's completion: PENDING rows are resolved by key", async () => {
    const t = fresh();
    const records = Array.from({ length: 20 }, (_, i) => issue(i, "2021-01-01T00:00:00.000Z"));
    await ingestRecords({ records, graphId: t.graphId, source: t.source, owner: t.owner, zep: zep() });
    // As a killed worker leaves them: marked PENDING before graph.add, never completed.
    await prisma.graphWrite.updateMany({ where: { graphId: t.graphId }, data: { status: "PENDING", episodeUuids: [], errorCode: null } });
    const resumed = await ingestRecords({ records, graphId: t.graphId, source: t.source, owner: t.owner, zep: zep() });
    expect(resumed).toMatchObject({ records: 20, episodesWritten: 0, episodesSkipped: 20 });
    expect(h.zep.episodes(t.graphId)).toHaveLength(20);
    const rows = await prisma.graphWrite.findMany({ where: { graphId: t.graphId } });
    expect(rows.every((r) => r.status === "WRITTEN" && !r.uncertain)).toBe(true);
    expect(new Set(rows.flatMap((r) => r.episodeUuids))).toEqual(new Set(h.zep.episodes(t.graphId).map((e) => e.uuid)));
  });

  it("a record that changes after a crash or a stop mid-write: the interrupted version's landed episodes are found by key and deleted, not left beside the new one", async () => {
    const t = fresh();
    const version = (at: string, word: string, long = false) =>
      [0, 1, 2].map((i) => ({ ...issue(i, at), title: `Issue ${i} about ${word}`, body: long && i === 2 ? `${word} `.repeat(4_000) : `About ${word}.` }));
    const run = (records: NangoRecord[]) => ingestRecords({ records, graphId: t.graphId, source: t.source, owner: t.owner, zep: zep() });
    await run(version("2021-01-01T00:00:00.000Z", "apples"));
    const v1 = await prisma.graphWrite.findMany({ where: { graphId: t.graphId }, orderBy: { recordId: "asc" } });
    // Version 2 (record 2 in three chunks) lands in full, and its answers are lost:
    await run(version("2021-02-01T00:00:00.000Z", "pears", true));
    expect(h.zep.episodes(t.graphId)).toHaveLength(5);
    // records 0 and 2 as a killed worker leaves them (PENDING, version 1's uuids still to delete) ...
    for (const i of [0, 2]) await prisma.graphWrite.updateMany({ where: { graphId: t.graphId, recordId: String(i) }, data: { status: "PENDING", errorCode: null, episodeUuids: v1[i]!.episodeUuids } });
    // ... and record 1 as a run stopped by Zep leaves it: its first chunk being written, its answer lost.
    await prisma.graphWrite.updateMany({ where: { graphId: t.graphId, recordId: "1" }, data: { status: "PENDING", errorCode: "INTERRUPTED", episodeUuids: [] } });

    // Each record changed again before the resume.
    const resumed = await run(version("2021-03-01T00:00:00.000Z", "plums"));
    expect(resumed).toMatchObject({ records: 3, recordsWritten: 3, episodesWritten: 3 });
    const stored = h.zep.episodes(t.graphId);
    expect(stored.map((e) => e.content).sort()).toEqual([0, 1, 2].map((i) => expect.stringContaining(`Issue ${i} about plums`)));
    expect(stored.every((e) => e.metadata?.modifiedAt === "2021-03-01T00:00:00.000Z")).toBe(true);
    const rows = await prisma.graphWrite.findMany({ where: { graphId: t.graphId } });
    expect(rows.every((r) => r.status === "WRITTEN" && r.version === "2021-03-01T00:00:00.000Z")).toBe(true);
    expect(new Set(rows.flatMap((r) => r.episodeUuids))).toEqual(new Set(stored.map((e) => e.uuid)));
  });

  it("a run that stops before reaching such a record leaves its row as it found it: the next run still deletes the interrupted version's episodes", async () => {
    const t = fresh();
    const version = (at: string, word: string) => [0, 1, 2].map((i) => ({ ...issue(i, at), title: `Issue ${i} about ${word}`, body: `About ${word}.` }));
    const run = (records: NangoRecord[], opts: { zep?: ZepCallOptions } = {}) =>
      ingestRecords({ records, graphId: t.graphId, source: t.source, owner: t.owner, zep: opts.zep ?? zep(), writesPerGraph: 1 });
    await run(version("2021-01-01T00:00:00.000Z", "apples"));
    const v1 = await prisma.graphWrite.findMany({ where: { graphId: t.graphId }, orderBy: { recordId: "asc" } });
    await run(version("2021-02-01T00:00:00.000Z", "pears"));
    // Version 2 landed, its answers lost: every row as a killed worker leaves it.
    for (const [i, r] of v1.entries()) await prisma.graphWrite.updateMany({ where: { graphId: t.graphId, recordId: String(i) }, data: { status: "PENDING", errorCode: null, episodeUuids: r.episodeUuids } });
    // Version 3 arrives while Zep is down: the run stops at its first record, the others are never reached.
    h.zep.setFault({ status: 503, times: 1_000 });
    await expect(run(version("2021-03-01T00:00:00.000Z", "plums"), { zep: { client: h.zepClient, retry: { baseDelayMs: 1, maxAttempts: 2, sleep: async () => {} } } })).rejects.toThrow(/Ingest stopped/);
    h.zep.setFault(null);
    const waiting = await prisma.graphWrite.findMany({ where: { graphId: t.graphId, recordId: { in: ["1", "2"] } } });
    expect(waiting.map((r) => [r.version, r.errorCode])).toEqual([
      ["2021-02-01T00:00:00.000Z", null],
      ["2021-02-01T00:00:00.000Z", null],
    ]);
    await run(version("2021-03-01T00:00:00.000Z", "plums"));
    const stored = h.zep.episodes(t.graphId);
    expect(stored.map((e) => e.metadata?.modifiedAt)).toEqual(Array(3).fill("2021-03-01T00:00:00.000Z"));
  });

  it("a poison record does not stop the sync: FAILED in the ledger with its error, the job completes with 'N records failed'; admins see it and retry it", async () => {
    const a = await connectedUser(h, { role: "ADMIN" });
    const graphId = graphIdFor(a.org.id, "default");
    h.zep.setPoison("/issues/3\n"); // the 3rd issue's text (its URL line)
    const { job } = await syncAndDeliver(h, a.nangoConnectionId, { added: 10 });
    expect(await runSyncJob(job.id, { zep: zep() })).toMatchObject({ outcome: "COMPLETED", recordsProcessed: 9 });
    const done = await prisma.syncJob.findUniqueOrThrow({ where: { id: job.id } });
    expect(done.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: "ZEP_REJECTED" }),
        expect.objectContaining({ code: "RECORDS_FAILED", message: expect.stringMatching(/^1 record failed/) }),
      ]),
    );
    expect(h.zep.episodes(graphId)).toHaveLength(9);

    // The Failed records page: admins only, filters, the error.
    const member = { ...a.scope, role: "MEMBER" as const };
    await expect(listFailedRecords(member)).rejects.toThrow(/admins/i);
    const page = await listFailedRecords(a.scope, { provider: "github", connection: a.nangoConnectionId });
    expect(page.rows).toEqual([
      expect.objectContaining({ recordId: "100003", errorCode: "ZEP_REJECTED_400", error: expect.stringMatching(/could not be processed/), connection: { id: a.connection.id, accountName: "Ada" } }),
    ]);
    expect((await listFailedRecords(a.scope, { errorCode: "NOPE" })).rows).toEqual([]);
    expect((await listFailedRecords(a.scope, { since: new Date(Date.now() + 60_000) })).rows).toEqual([]);

    // Still refused: still failed. Then Zep takes it: written, gone from the page.
    expect(await retryFailedRecords(a.scope, { ids: [page.rows[0]!.id] }, { zep: zep() })).toMatchObject({ retried: 1, written: 0, stillFailed: 1 });
    h.zep.setPoison(null);
    expect(await retryFailedRecords(a.scope, { all: true }, { zep: zep() })).toMatchObject({ retried: 1, written: 1, stillFailed: 0 });
    expect((await listFailedRecords(a.scope)).rows.filter((r) => r.connectionId === a.nangoConnectionId)).toEqual([]);
    expect(h.zep.episodes(graphId)).toHaveLength(10);
    expect(duplicateKeys(h, graphId)).toEqual([]);
  });
});
