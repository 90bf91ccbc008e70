/**
 * Streams Nango records into one Zep graph, exactly once per record version, through the ledger
 * (GraphWrite, ledger.ts). Records are handled a page at a time:
 *
 *   1. one SELECT: the ledger rows of the page's records;
 *   2. per record: unchanged version (same content hash, WRITTEN) → skipped; DELETED → its episodes are
 *      deleted by uuid; new or changed → its earlier episodes are deleted, then its chunks added;
 *   3. before any Zep call, one upsert marks the records about to be written PENDING (with the content hash,
 *      keeping the earlier version's uuids); after the page, one upsert completes them (WRITTEN / DELETED /
 *      FAILED, with the uuids graph.add returned).
 *
 * Delete first, then add: Zep deletes "the edges associated with" an episode, and Graphiti dedupes a new
 * episode's facts into existing edges; deleting the old episode after the new one was processed could take
 * the new version's facts with it. The price is a short window without the record, and after a failure in
 * between a record missing from the graph (its row stays PENDING, and the next run writes it).
 *
 * A record Zep refuses (4xx other than 401/403/404/408/429) is recorded FAILED with its error and the run
 * goes on; anything else (Zep down past the retries, a missing graph, a bad key) stops the run, after the
 * rows of the records already done are completed, so a retry resumes from `lastCursor`.
 *
 * A write whose answer was lost (timeout, network): looked for by key before re-sending (lib/zep), and a
 * PENDING row found on a later run is handled the same way, chunk by chunk. Re-sent anyway → `uncertain`.
 */
import "server-only";
import { createHash } from "node:crypto";
import { getEnv } from "@/lib/env";
import { deleteEpisode, ensureGraph, findEpisodeByKey, KeyedSerializer, writeEpisode, ZepCallError, type ZepCallOptions, type ZepErrorEntry } from "@/lib/zep";
import { chunkHeadline, episodeKeysOf, isDeletion, recordToEpisodes, type EpisodeDraft, type NangoRecord, type RecordSource } from "./episodes";
import { lookupRecords, upsertRecords, type LedgerRow, type LedgerTarget, type LedgerWrite } from "./ledger";

export type IngestOptions = {
  records: AsyncIterable<NangoRecord> | Iterable<NangoRecord>;
  /** From graphIdFor(organizationId, projectId): the only graph this run may touch. */
  graphId: string;
  source: RecordSource;
  /** Whose graph it is, for the ledger. */
  owner: { organizationId: string; projectKey: string };
  syncJobId?: string | null;
  /** Client, retry policy; errors are also collected in the result. */
  zep?: ZepCallOptions;
  /** Records per ledger page (default 500, like a listRecords page). */
  pageSize?: number;
  /** Records of a page written to the graph at the same time (default ATLAS_INGEST_WRITES_PER_GRAPH). */
  writesPerGraph?: number;
  /**
   * Asked before each page is marked and sent (the page before may still be completing): true ends the run
   * there, as if the records had ended; that page, read but untouched, is read again by the next run from the
   * last checkpoint. A cancel noticed at a checkpoint therefore stops the run after at most the one page
   * already being sent.
   */
  shouldStop?: () => boolean | Promise<boolean>;
  /** Records handled so far (written, skipped or failed), after each page. */
  onProgress?: (count: number) => void;
  /** After each page's rows are complete: the Nango cursor of its last record, and the counts so far. */
  onCheckpoint?: (cursor: string, counts: PageCounts) => void | Promise<void>;
};

/** Records so far by what became of them (written = new or changed version sent, deleted = a DELETED record's episodes removed). */
export type PageCounts = { records: number; failed: number; written: number; skipped: number; deleted: number };

export type IngestResult = {
  records: number;
  recordsWritten: number;
  recordsSkipped: number;
  recordsDeleted: number;
  episodesWritten: number;
  episodesSkipped: number;
  episodesDeleted: number;
  recordsFailed: number;
  /** Every failed attempt, in SyncJob.errors shape; present even when the run succeeded after retries. */
  errors: ZepErrorEntry[];
};

/** The run stopped: `errors` holds every failed attempt, `progress` what was done before. */
export class IngestError extends Error {
  name = "IngestError";
  constructor(
    readonly cause: ZepCallError,
    readonly progress: IngestResult,
    readonly lastCursor: string | undefined,
  ) {
    super(`Ingest stopped after ${progress.records} records: ${cause.message}`);
  }
  get errors() {
    return this.progress.errors;
  }
}

// One run per graph at a time in this process (across processes: the graph lock, graph-lock.ts). Two runs
// of the same records would otherwise both read the ledger before either wrote.
const runs = new KeyedSerializer();

export function ingestRecords(opts: IngestOptions): Promise<IngestResult> {
  return runs.run(opts.graphId, () => ingestExclusively(opts));
}

/** A record Zep refused for what it is: recorded FAILED, the run goes on. */
const isPoison = (err: unknown) => err instanceof ZepCallError && err.code === "ZEP_REJECTED";

type Planned = {
  record: NangoRecord;
  recordId: string;
  drafts: EpisodeDraft[];
  write: LedgerWrite;
  row: LedgerRow | undefined;
  kind: "skip" | "write" | "delete";
};

async function* pages(records: IngestOptions["records"], size: number): AsyncGenerator<NangoRecord[]> {
  let page: NangoRecord[] = [];
  for await (const r of records) {
    page.push(r);
    if (page.length >= size) {
      yield page;
      page = [];
    }
  }
  if (page.length) yield page;
}

/** A page read and looked up in the ledger: what to do with each record. */
type PlannedPage = { ids: Set<string>; plans: Planned[] };
/** A page read but not marked yet: it lists a record of the page being written (see below). */
type WaitingPage = { ids: Set<string>; records: NangoRecord[] };
/** What a written page comes to: the rows that complete it, and how far the checkpoint may move. */
type SettledPage = { done: LedgerWrite[]; stop?: RecordStop; cursor?: string; counts: PageCounts };

/**
 * Pages overlap: while one page's records are written to Zep, the page before is completed in the ledger and
 * checkpointed, and the next page is read from Nango and looked up (once every page before it is complete).
 * A page is marked PENDING only on its turn, right before its writes: a crash or a stop never leaves the read
 * ahead marked. Each page's own order is unchanged (lookup, marks, writes, completion), checkpoints are taken
 * in page order, and at most two pages of records are in memory. A record listed again in the next page (it
 * changed while Nango was listed) makes that page wait until the current one is complete, so a record is never
 * in two pages' stages at once. Measured in `npm run bench` (one graph: 1,670 -> 2,080 records/s).
 */
async function ingestExclusively(opts: IngestOptions): Promise<IngestResult> {
  const result: IngestResult = { records: 0, recordsWritten: 0, recordsSkipped: 0, recordsDeleted: 0, episodesWritten: 0, episodesSkipped: 0, episodesDeleted: 0, recordsFailed: 0, errors: [] };
  const zep: ZepCallOptions = {
    ...opts.zep,
    onError: (entry) => {
      result.errors.push(entry);
      opts.zep?.onError?.(entry);
    },
  };
  const target: LedgerTarget = {
    organizationId: opts.owner.organizationId,
    projectKey: opts.owner.projectKey,
    graphId: opts.graphId,
    connectionId: opts.source.connectionId,
    provider: opts.source.provider,
    model: opts.source.model,
  };
  const writesPerGraph = opts.writesPerGraph ?? getEnv().ATLAS_INGEST_WRITES_PER_GRAPH;
  let lastCursor: string | undefined;
  try {
    await ensureGraph(opts.graphId, zep);
  } catch (err) {
    if (err instanceof ZepCallError) throw new IngestError(err, result, lastCursor);
    throw err;
  }

  const lookUp = async (records: NangoRecord[], ids: Set<string>): Promise<PlannedPage> => ({
    ids,
    plans: plan(records, opts.source, await lookupRecords(target, [...ids])),
  });
  // Before any of a page's Zep calls: its records about to be written are marked PENDING.
  const mark = (plans: Planned[]) =>
    upsertRecords(
      target,
      plans.filter(isMarked).map((p) => ({ ...p.write, status: "PENDING" as const, episodeUuids: [] })),
      { syncJobId: opts.syncJobId, keepEpisodes: true },
    );
  const source = pages(opts.records, opts.pageSize ?? 500)[Symbol.asyncIterator]();
  // Reads the page after the one being written (`busy`) and looks it up, once the pages before are complete.
  const readNext = async (busy: Set<string> | undefined): Promise<PlannedPage | WaitingPage | null> => {
    const earlier = completing;
    const next = await source.next();
    if (next.done) return null;
    const ids = new Set(next.value.map((r) => String(r.id)));
    if (busy && [...ids].some((id) => busy.has(id))) return { ids, records: next.value };
    await earlier;
    return lookUp(next.value, ids);
  };

  // The completion of the pages written so far, one after another (a page's checkpoint follows the one before).
  // Once one fails (its rows or its checkpoint), no later checkpoint is taken (the cursor would pass records
  // whose rows may be incomplete) and no further page is marked; the page already being written still gets
  // its rows completed when possible, so the next run finds them.
  let completing: Promise<void> = Promise.resolve();
  let completionFailed: { err: unknown } | undefined;
  const complete = (settled: SettledPage) => {
    const previous = completing;
    completing = (async () => {
      await previous.catch(() => {});
      if (completionFailed) {
        await upsertRecords(target, settled.done, { syncJobId: opts.syncJobId }).catch(() => {});
        throw completionFailed.err;
      }
      try {
        await upsertRecords(target, settled.done, { syncJobId: opts.syncJobId });
        result.records = settled.counts.records;
        if (settled.cursor) {
          lastCursor = settled.cursor;
          await opts.onCheckpoint?.(settled.cursor, settled.counts);
        }
        opts.onProgress?.(result.records);
      } catch (err) {
        completionFailed ??= { err };
        throw err;
      }
    })();
    completing.catch(() => {}); // awaited later; a failure meanwhile must not count as unhandled
  };

  let upcoming: Promise<PlannedPage | WaitingPage | null> = readNext(undefined);
  let handledSoFar = 0;
  try {
    for (;;) {
      let page = await upcoming;
      if (!page) break;
      if (!("plans" in page)) {
        await completing;
        page = await lookUp(page.records, page.ids);
      }
      // Nothing of this page is marked yet: stopping here leaves no trace of it (read again next run).
      if (await opts.shouldStop?.()) break;
      upcoming = readNext(page.ids);
      upcoming.catch(() => {}); // awaited later; an early failure must not count as unhandled meanwhile
      if (completionFailed) throw completionFailed.err;
      await mark(page.plans);
      const outcomes = await applyConcurrently(page.plans, (p) => apply(p, opts.graphId, opts.source, zep, result), writesPerGraph);
      const settled = settle(page.plans, outcomes, result, handledSoFar);
      handledSoFar = settled.counts.records;
      complete(settled);
      if (settled.stop) {
        await completing;
        throw new IngestError(settled.stop.zepError, result, lastCursor);
      }
    }
    await completing;
  } catch (err) {
    // Nothing is left running behind a failure: the completions queued so far and the read ahead settle.
    await completing.catch(() => {});
    await upcoming.catch(() => {});
    throw err;
  } finally {
    // The caller's record stream is closed (its own cleanup runs) when the run ends before the records do.
    await source.return?.(undefined).catch(() => {});
  }
  return result;
}

/** A record its page marks PENDING before writing: one to write that did not already fail (unreadable). */
function isMarked(p: Planned): boolean {
  return p.kind !== "skip" && p.write.status !== "FAILED";
}

/** A record not sent in a run that stopped: NOT_SENT, or an interrupted version's row as it was found. */
function notSentRow(p: Planned): LedgerWrite | undefined {
  if (!isMarked(p)) return undefined;
  return p.row && isInterrupted(p.row) ? asLeft(p.row) : { ...p.write, status: "PENDING", errorCode: NOT_SENT, episodeUuids: p.row?.episodeUuids ?? [] };
}

/** A written page's outcomes, as the rows that complete it and the counts so far (updated in `result`). */
function settle(plans: Planned[], outcomes: Outcome[], result: IngestResult, handledBefore: number): SettledPage {
  const done: LedgerWrite[] = [];
  let stop: RecordStop | undefined;
  let cursor: string | undefined;
  let handled = handledBefore;
  for (const [i, p] of plans.entries()) {
    const o = outcomes[i]!;
    if (o.kind === "not-sent") {
      // Marked PENDING, never reached: the next run knows nothing of it was sent.
      const row = notSentRow(p);
      if (row) done.push(row);
      continue;
    }
    if (o.kind === "stopped") {
      // The record that stopped the run stays PENDING with the episodes known to be in the graph.
      stop ??= o.stop;
      done.push({ ...o.stop.known, status: "PENDING" });
      continue;
    }
    if (o.write) done.push(o.write);
    if (o.write?.status === "FAILED") result.recordsFailed++;
    else if (p.kind === "skip") result.recordsSkipped++;
    else if (p.kind === "delete") result.recordsDeleted++;
    else result.recordsWritten++;
    // The checkpoint only moves over records handled without a gap: after a stop, records that finished
    // beyond it are in the ledger, and the resumed run finds them there (skipped, not written twice).
    if (stop) continue;
    handled++;
    cursor = p.record._nango_metadata?.cursor ?? cursor;
  }
  const counts = { records: handled, failed: result.recordsFailed, written: result.recordsWritten, skipped: result.recordsSkipped, deleted: result.recordsDeleted };
  return { done, stop, cursor, counts };
}

type Outcome = { kind: "applied"; write?: LedgerWrite } | { kind: "stopped"; stop: RecordStop } | { kind: "not-sent" };

/**
 * A page's records, `limit` at a time (each record's own calls stay in order: its old episodes deleted before
 * its chunks are added, chunk after chunk). Zep answers graph.add at once and processes a graph's episodes
 * one after another on its side; what a single request in flight cost was our round trips. Once a record stops
 * the run, records not yet started are not sent; those in flight finish. An unexpected error is rethrown
 * after the others settled (their rows then stay PENDING, as after a crash).
 */
async function applyConcurrently(plans: Planned[], applyOne: (p: Planned) => Promise<{ write?: LedgerWrite }>, limit: number): Promise<Outcome[]> {
  const outcomes: Outcome[] = new Array(plans.length);
  let next = 0;
  let stopped = false;
  let unexpected: { err: unknown } | undefined;
  const lane = async () => {
    while (next < plans.length) {
      const i = next++;
      if (stopped || unexpected) {
        outcomes[i] = { kind: "not-sent" };
        continue;
      }
      try {
        outcomes[i] = { kind: "applied", ...(await applyOne(plans[i]!)) };
      } catch (err) {
        if (err instanceof RecordStop) {
          stopped = true;
          outcomes[i] = { kind: "stopped", stop: err };
        } else {
          unexpected ??= { err };
          outcomes[i] = { kind: "not-sent" };
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, plans.length)) }, lane));
  if (unexpected) throw unexpected.err;
  return outcomes;
}

const hashOf = (drafts: EpisodeDraft[]) => {
  const h = createHash("sha256");
  for (const d of drafts) h.update(d.data).update("\u0000").update(d.createdAt ?? "").update("\u0001");
  return h.digest("hex");
};

function plan(page: NangoRecord[], source: RecordSource, rows: Map<string, LedgerRow>): Planned[] {
  return page.map((record): Planned => {
    const recordId = String(record.id);
    const meta = record._nango_metadata;
    const row = rows.get(recordId);
    const version = meta?.last_modified_at ?? "";
    const action = meta?.last_action ?? "";
    let drafts: EpisodeDraft[];
    try {
      drafts = recordToEpisodes(record, source);
    } catch (err) {
      // A record we cannot describe deterministically is poison too: recorded, not retried in a loop.
      const write: LedgerWrite = {
        recordId, version, action, contentHash: "", chunkCount: 0, episodeUuids: row?.episodeUuids ?? [],
        status: "FAILED", errorCode: "INVALID_RECORD", error: err instanceof Error ? err.message : String(err),
      };
      return { record, recordId, drafts: [], write, row, kind: "write" };
    }
    const deleted = isDeletion(record);
    const contentHash = deleted ? "" : hashOf(drafts);
    const write: LedgerWrite = {
      recordId, version, action, contentHash, chunkCount: deleted ? 0 : drafts.length, episodeUuids: [],
      status: deleted ? "DELETED" : "WRITTEN", title: drafts[0]?.title ?? null, url: drafts[0]?.metadata.url !== undefined ? String(drafts[0].metadata.url) : null,
    };
    if (deleted) return { record, recordId, drafts, write, row, kind: row?.status === "DELETED" ? "skip" : "delete" };
    const unchanged = row?.status === "WRITTEN" && row.contentHash === contentHash;
    return { record, recordId, drafts, write, row, kind: unchanged ? "skip" : "write" };
  });
}

/** The run must stop at this record; `known` is its row with the episodes known to be in the graph. */
class RecordStop extends Error {
  constructor(
    readonly zepError: ZepCallError,
    readonly known: LedgerWrite,
  ) {
    super(zepError.message);
  }
}

// Why a row was left PENDING by a run that stopped in order (a crash leaves none: then nothing is known).
const NOT_SENT = "NOT_SENT"; // nothing of this version was sent; episodeUuids are the earlier version's
const INTERRUPTED = "INTERRUPTED"; // episodeUuids are this version's first chunks, in order

async function apply(p: Planned, graphId: string, source: RecordSource, zep: ZepCallOptions, result: IngestResult): Promise<{ write?: LedgerWrite }> {
  if (p.kind === "skip") {
    result.episodesSkipped += p.drafts.length;
    // A new version with the same text: only the row's version moves.
    return p.row && p.row.version !== p.write.version ? { write: { ...p.write, episodeUuids: p.row.episodeUuids } } : {};
  }
  if (p.write.status === "FAILED") return { write: p.write };

  const row = p.row;
  // Resumed only with the same keys too: chunks kept under one version's keys and looked for under another's
  // would miss the one in doubt.
  const resumable =
    row?.status === "PENDING" && row.errorCode === INTERRUPTED && row.contentHash === p.write.contentHash && row.version === p.write.version && row.action === p.write.action;
  // A PENDING row a crash left: some chunks may be in the graph without their uuids being known.
  const unknown = row?.status === "PENDING" && row.errorCode !== NOT_SENT && row.errorCode !== INTERRUPTED;

  // Earlier episodes of the record first (a deletion, or the version being replaced), by uuid; with them, the
  // chunks of an interrupted other version that may have landed unanswered, found by their keys.
  const strays = row && !resumable ? await straysOf(row, p.write, graphId, source, zep) : NO_STRAYS;
  const old = resumable ? [] : [...strays.uuids, ...(row?.episodeUuids ?? [])];
  for (const [i, uuid] of old.entries()) {
    try {
      await deleteEpisode(uuid, zep);
      result.episodesDeleted++;
    } catch (err) {
      if (isPoison(err)) return { write: { ...p.write, status: "FAILED", episodeUuids: old.slice(i), ...errorOf(err) } };
      // Stopped before anything of this version was sent: an interrupted version's row stays as it was (its
      // chunks still to look for; deleting what is gone already is a no-op), any other says NOT_SENT.
      if (err instanceof ZepCallError) throw new RecordStop(err, row && isInterrupted(row) ? asLeft(row) : { ...p.write, episodeUuids: old.slice(i), errorCode: NOT_SENT });
      throw err;
    }
  }
  if (p.kind === "delete") return { write: p.write };

  const uuids: string[] = resumable ? [...row!.episodeUuids] : [];
  let uncertain = strays.doubt;
  for (const [n, draft] of p.drafts.slice(uuids.length).entries()) {
    const { key: _key, title: _title, ...episode } = draft;
    try {
      // A crash leaves every chunk unknown. A run that stopped in order leaves one: the chunk it was writing
      // when Zep went away may have landed with its answer lost, and nothing could look for it then.
      if (unknown || (resumable && n === 0)) {
        const landed = await findEpisodeByKey(graphId, draft.key, draft.data, zep).catch(() => null);
        if (landed) {
          uuids.push(landed.uuid);
          result.episodesSkipped++;
          continue;
        }
        // Not found is not proof it never landed after a crash; after an orderly stop, only a failed look is doubt.
        if (unknown || landed === null) uncertain = true;
      }
      uuids.push((await writeEpisode(graphId, episode, zep, { onResend: () => void (uncertain = true) })).uuid);
      result.episodesWritten++;
    } catch (err) {
      if (isPoison(err)) return { write: { ...p.write, status: "FAILED", episodeUuids: uuids, uncertain, ...errorOf(err) } };
      if (err instanceof ZepCallError) throw new RecordStop(err, { ...p.write, episodeUuids: uuids, uncertain, errorCode: INTERRUPTED });
      throw err;
    }
  }
  return { write: { ...p.write, episodeUuids: uuids, uncertain } };
}

/** A PENDING row whose version may have chunks in the graph that the row does not list (a crash, or a stop mid-chunk). */
const isInterrupted = (row: LedgerRow) => row.status === "PENDING" && row.errorCode !== NOT_SENT && row.chunkCount > 0;

/** The row as a run found it, to write back unchanged. */
const asLeft = (row: LedgerRow): LedgerWrite => ({
  recordId: row.recordId,
  version: row.version,
  action: row.action,
  contentHash: row.contentHash,
  chunkCount: row.chunkCount,
  episodeUuids: row.episodeUuids,
  status: "PENDING",
  errorCode: row.errorCode,
  title: row.title,
});

type Strays = { uuids: string[]; doubt: boolean };
const NO_STRAYS: Strays = { uuids: [], doubt: false };

/**
 * A PENDING row left by a crash (every chunk unknown) or a stop (one chunk unknown) describes the version that
 * was being written. When this run writes another version (the record changed since), that version's keys
 * are not this one's, so the lookups below would never meet its landed chunks: they are looked for here, by
 * the row's keys, and returned for deletion. A failed look is doubt (`uncertain`), not a stop.
 */
async function straysOf(row: LedgerRow, next: LedgerWrite, graphId: string, source: RecordSource, zep: ZepCallOptions): Promise<Strays> {
  if (!isInterrupted(row)) return NO_STRAYS;
  // Same keys and text: found chunk by chunk below (resumed, or looked up by key).
  if (row.version === next.version && row.action === next.action && row.contentHash === next.contentHash) return NO_STRAYS;
  const keys = episodeKeysOf(source, row);
  const doubtful = row.errorCode === INTERRUPTED ? [row.episodeUuids.length].filter((i) => i < keys.length) : keys.map((_, i) => i);
  const found: Strays = { uuids: [], doubt: false };
  for (const i of doubtful) {
    const landed = await findEpisodeByKey(graphId, keys[i]!, chunkHeadline(row.title ?? "", i, keys.length), zep).catch(() => null);
    if (landed) found.uuids.push(landed.uuid);
    // A failed look is doubt; so is "not found" after a crash (not indexed yet is not never sent), as in apply.
    else if (landed === null || row.errorCode !== INTERRUPTED) found.doubt = true;
  }
  return found;
}

function errorOf(err: unknown) {
  const e = err as ZepCallError;
  return { errorCode: `${e.code}${e.statusCode ? `_${e.statusCode}` : ""}`, error: e.errors?.at(-1)?.message ?? e.message };
}
