/**
 * Streams Nango records into one Zep graph, exactly once per record version.
 *
 * Idempotency: every episode carries a deterministic `episodeKey` (connection, model, record id,
 * last_modified_at, action, chunk) in its metadata. Before writing, the graph's recent episodes are read
 * and their keys skipped, so a retried run (same records, or resumed from an older cursor) writes nothing
 * twice, including the remaining chunks of a record that was half written. Callers that already know the
 * written keys (or whose graph is larger than `scanLastN`) pass `existingKeys`. `onCheckpoint` gives the
 * Nango cursor of each fully written record, for resuming `listRecords` without re-reading everything.
 */
import "server-only";
import { ensureGraph, KeyedSerializer, listEpisodes, writeEpisode, ZepCallError, type ZepCallOptions, type ZepErrorEntry } from "@/lib/zep";
import { recordToEpisodes, type NangoRecord, type RecordSource } from "./episodes";

export type IngestOptions = {
  records: AsyncIterable<NangoRecord> | Iterable<NangoRecord>;
  /** From graphIdFor(organizationId, projectId): the only graph this run may touch. */
  graphId: string;
  source: RecordSource;
  /** Client, retry policy; errors are also collected in the result. */
  zep?: ZepCallOptions;
  /** Episode keys known to be in the graph already; default: read from the graph's last `scanLastN` episodes. */
  existingKeys?: Set<string>;
  scanLastN?: number;
  /** Records handled so far (written or skipped), after each record. */
  onProgress?: (count: number) => void;
  /** The Nango cursor of a record once all its episodes are in Zep. */
  onCheckpoint?: (cursor: string) => void | Promise<void>;
};

export type IngestResult = {
  records: number;
  episodesWritten: number;
  episodesSkipped: number;
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

// One run per graph at a time in this process: two runs started together (say, two webhooks for the same
// sync) would both read the graph's keys before either wrote, and then both write the same records.
// Across processes, give the job queue a singleton key per graph (pg-boss `singletonKey: graphId`).
const runs = new KeyedSerializer();

export function ingestRecords(opts: IngestOptions): Promise<IngestResult> {
  return runs.run(opts.graphId, () => ingestExclusively(opts));
}

async function ingestExclusively(opts: IngestOptions): Promise<IngestResult> {
  const result: IngestResult = { records: 0, episodesWritten: 0, episodesSkipped: 0, errors: [] };
  const zep: ZepCallOptions = {
    ...opts.zep,
    onError: (entry) => {
      result.errors.push(entry);
      opts.zep?.onError?.(entry);
    },
  };
  let lastCursor: string | undefined;
  try {
    await ensureGraph(opts.graphId, zep);
    const written = opts.existingKeys ?? (await keysInGraph(opts.graphId, opts.scanLastN ?? 10_000, zep));
    for await (const record of opts.records) {
      for (const draft of recordToEpisodes(record, opts.source)) {
        if (written.has(draft.key)) {
          result.episodesSkipped++;
          continue;
        }
        const { key: _key, ...episode } = draft;
        await writeEpisode(opts.graphId, episode, zep);
        written.add(draft.key);
        result.episodesWritten++;
      }
      result.records++;
      lastCursor = record._nango_metadata?.cursor;
      if (lastCursor) await opts.onCheckpoint?.(lastCursor);
      opts.onProgress?.(result.records);
    }
  } catch (err) {
    if (err instanceof ZepCallError) throw new IngestError(err, result, lastCursor);
    throw err;
  }
  return result;
}

async function keysInGraph(graphId: string, lastn: number, zep: ZepCallOptions): Promise<Set<string>> {
  const episodes = await listEpisodes(graphId, lastn, zep);
  const keys = new Set<string>();
  for (const e of episodes) {
    const key = e.metadata?.episodeKey;
    if (typeof key === "string") keys.add(key);
  }
  return keys;
}
