/**
 * Every Zep call Atlas makes goes through this file, so a change of Zep's API touches one file; that is why it
 * is longer than most. Built against @getzep/zep-cloud 3.30.0 (`/api/v2`, our own graph ids).
 *
 * Retries are ours, not the SDK's: the SDK ignores Retry-After and does not retry timeouts or network
 * errors, so every call passes `maxRetries: 0` and goes through `withRetry`, which records what happened
 * as SyncJob-style error entries ({message, code, timestamp, retryAfter?}).
 */
import "server-only";
import { ZepClient, ZepError, ZepTimeoutError } from "@getzep/zep-cloud";
import type { Zep } from "@getzep/zep-cloud";
import { getEnv, type Env } from "@/lib/env";
import { UnavailableError } from "@/lib/errors";
import { retry, RetryGaveUp, type RetryPolicy as BaseRetryPolicy } from "@/lib/retry";
import { recordCall } from "@/lib/service-calls";
import { zepFetcher } from "./transport";
import type { TimedErrorEntry } from "@/lib/data/error-entry";

// ---- client ---------------------------------------------------------------------------------------

/** Zep is not configured on this server: nothing to retry until whoever deploys Atlas sets it. */
export class ZepConfigError extends UnavailableError {}

/** A client from ZEP_API_KEY and optional ZEP_BASE_URL (lib/env.ts checks it ends in /api/v2). */
export function zepClientFromEnv(env: Env = getEnv()): ZepClient {
  const apiKey = env.ZEP_API_KEY;
  // Without a key the SDK silently sends "Api-Key undefined"; fail here with a clear message instead.
  if (!apiKey) throw new ZepConfigError("ZEP_API_KEY is not set");
  return newZepClient({ apiKey, baseUrl: env.ZEP_BASE_URL });
}

/** Every client Atlas makes: the SDK over our transport (./transport.ts, undici instead of the global fetch). */
export function newZepClient(opts: { apiKey: string; baseUrl?: string }): ZepClient {
  return new ZepClient({ ...opts, fetcher: zepFetcher });
}

let defaultClient: ZepClient | undefined;
/** The process-wide client, created from the environment on first use. */
export function zepClient(): ZepClient {
  return (defaultClient ??= zepClientFromEnv());
}

// ---- errors and retries ---------------------------------------------------------------------------

export type ZepErrorCode = "RATE_LIMIT" | "ZEP_UNAVAILABLE" | "TIMEOUT" | "ZEP_REJECTED" | "ZEP_NOT_FOUND" | "ZEP_UNAUTHORIZED";

/** Same shape as a SyncJob.errors entry, so callers can append these as they are. */
export type ZepErrorEntry = TimedErrorEntry & { code: ZepErrorCode };

/** Zep's retry policy: lib/retry's, plus the SDK's per-request timeout in seconds (kept for callers). */
export type RetryPolicy = BaseRetryPolicy & { timeoutSeconds?: number };

/** What callers pass to every function here; all optional. */
export type ZepCallOptions = {
  client?: ZepClient;
  retry?: Partial<RetryPolicy>;
  /** Called for each failed attempt, as it happens (e.g. to append to SyncJob.errors). */
  onError?: (entry: ZepErrorEntry) => void;
};

/** Thrown when a Zep call gave up; `errors` has one entry per failed attempt, in order. */
export class ZepCallError extends UnavailableError {
  constructor(
    readonly code: ZepErrorCode,
    readonly errors: ZepErrorEntry[],
    readonly statusCode?: number,
  ) {
    super(`Zep call failed after ${errors.length} attempt(s): ${errors.at(-1)?.message ?? code}`);
  }
}

type Classified = { entry: ZepErrorEntry; retryable: boolean; statusCode?: number };

function classify(err: unknown): Classified {
  const timestamp = new Date().toISOString();
  const status = err instanceof ZepError ? err.statusCode : undefined;
  const detail = err instanceof ZepError ? bodyMessage(err.body) ?? err.message : err instanceof Error ? err.message : String(err);
  const entry = (code: ZepErrorCode, message: string, retryable: boolean, retryAfter?: number): Classified => ({
    entry: { message, code, timestamp, ...(retryAfter !== undefined ? { retryAfter } : {}) },
    retryable,
    statusCode: status,
  });
  if (err instanceof ZepTimeoutError) return entry("TIMEOUT", `Zep request timed out: ${detail}`, true);
  if (status === 429) {
    const header = err instanceof ZepError ? err.rawResponse?.headers.get("retry-after") : null;
    return entry("RATE_LIMIT", `Zep rate limit exceeded: ${detail}`, true, parseRetryAfter(header));
  }
  if (status === 408) return entry("TIMEOUT", `Zep request timed out (408): ${detail}`, true);
  if (status !== undefined && status >= 500) return entry("ZEP_UNAVAILABLE", `Zep answered ${status}: ${detail}`, true);
  if (status === 401 || status === 403) return entry("ZEP_UNAUTHORIZED", `Zep refused the API key (${status}): ${detail}`, false);
  if (status === 404) return entry("ZEP_NOT_FOUND", `Zep: not found: ${detail}`, false);
  if (status !== undefined) return entry("ZEP_REJECTED", `Zep rejected the request (${status}): ${detail}`, false);
  // No status: the SDK's timeout ("timeout") or a network failure ("fetch failed"); both worth retrying.
  if (/timeout|timed out|aborted/i.test(detail)) return entry("TIMEOUT", `Zep request timed out: ${detail}`, true);
  return entry("ZEP_UNAVAILABLE", `Zep unreachable: ${detail}`, true);
}

function bodyMessage(body: unknown): string | undefined {
  return typeof body === "object" && body !== null && typeof (body as { message?: unknown }).message === "string"
    ? (body as { message: string }).message
    : undefined;
}

/** Retry-After in seconds, from either form the header may take (delta-seconds or an HTTP date). */
function parseRetryAfter(header: string | null | undefined): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

/** X-RateLimit-Reset as a number, when sent. */
function rateLimitReset(err: unknown): number | undefined {
  const header = err instanceof ZepError ? err.rawResponse?.headers.get("x-ratelimit-reset") : null;
  const n = header ? Number(header) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

const ZEP_ANSWERED = new Set<ZepErrorCode>(["ZEP_NOT_FOUND", "ZEP_REJECTED"]);

/**
 * Runs `call` under the retry policy (lib/retry) until it succeeds, a non-retryable error occurs, or the
 * policy gives up. `recover` is asked before each retry after an error that leaves it unknown whether Zep
 * applied the request (a timeout or network error: no answer at all); returning a value ends the loop with
 * it instead of re-sending. A status code, 5xx included, is taken to mean Zep did not apply the request.
 */
export async function withRetry<T>(
  call: (requestOptions: { maxRetries: 0; timeoutInSeconds: number }) => Promise<T>,
  opts: ZepCallOptions = {},
  recover?: () => Promise<T | undefined>,
): Promise<T> {
  const { timeoutSeconds, ...rest } = opts.retry ?? {};
  const policy: Partial<BaseRetryPolicy> = { ...rest, ...(timeoutSeconds !== undefined ? { timeoutMs: timeoutSeconds * 1000 } : {}) };
  const errors: ZepErrorEntry[] = [];
  const statuses: Array<number | undefined> = [];
  try {
    const result = await retry(
      ({ timeoutMs }) => call({ maxRetries: 0, timeoutInSeconds: timeoutMs / 1000 }),
      (err) => {
        // Anything else is local (e.g. the SDK's JsonError for a bad request shape): retrying cannot help.
        if (!(err instanceof ZepError || err instanceof ZepTimeoutError)) return null;
        const { entry, retryable, statusCode } = classify(err);
        errors.push(entry);
        statuses.push(statusCode);
        // For /api/ready (lib/service-calls.ts): a 404 or a rejected request is still Zep answering.
        recordCall("zep", ZEP_ANSWERED.has(entry.code) ? { ok: true } : { ok: false, code: entry.code });
        opts.onError?.(entry);
        return { retryable, rateLimited: statusCode === 429, retryAfterSeconds: entry.retryAfter, rateLimitReset: rateLimitReset(err) };
      },
      policy,
      { beforeRetry: recover ? async () => (statuses.at(-1) === undefined ? recover() : undefined) : undefined },
    );
    recordCall("zep", { ok: true });
    return result;
  } catch (err) {
    if (err instanceof RetryGaveUp) throw new ZepCallError(errors.at(-1)!.code, errors, statuses.at(-1));
    throw err;
  }
}

// ---- graphs ---------------------------------------------------------------------------------------

// One entry per client and graph: a process creates each graph at most once (and concurrent callers share it).
const ensured = new WeakMap<ZepClient, Map<string, Promise<void>>>();

/** Makes sure the graph exists (looked up, created when absent). Cached per process and client. */
export function ensureGraph(graphId: string, opts: ZepCallOptions = {}): Promise<void> {
  const client = opts.client ?? zepClient();
  let cache = ensured.get(client);
  if (!cache) ensured.set(client, (cache = new Map()));
  let pending = cache.get(graphId);
  if (!pending) {
    // Looked up first (404 = absent), then created: no parsing of a create error's text.
    pending = (async () => {
      // "Absent" is an answer here, not a failure to report.
      const lookup = { ...opts, onError: (e: ZepErrorEntry) => void (e.code !== "ZEP_NOT_FOUND" && opts.onError?.(e)) };
      const found = await withRetry((o) => client.graph.get(graphId, o), lookup).then(
        () => true,
        (err) => {
          if (err instanceof ZepCallError && err.code === "ZEP_NOT_FOUND") return false;
          throw err;
        },
      );
      if (found) return;
      try {
        await withRetry((o) => client.graph.create({ graphId }, o), opts);
      } catch (err) {
        // Created meanwhile by another process: a second lookup settles it.
        if (err instanceof ZepCallError && err.statusCode !== undefined && err.statusCode < 500) {
          await withRetry((o) => client.graph.get(graphId, o), opts);
          return;
        }
        throw err;
      }
    })();
    // A failure is not cached: the next caller tries again.
    pending.catch(() => cache!.delete(graphId));
    cache.set(graphId, pending);
  }
  return pending;
}

// ---- episodes -------------------------------------------------------------------------------------

export const MAX_EPISODE_CHARS = 10_000;
export const MAX_METADATA_KEYS = 10;

export type EpisodeMetadata = Record<string, string | number | boolean>;

export type EpisodeInput = {
  type?: "text" | "json" | "message";
  data: string;
  /** When the thing happened in the source system (ISO 8601), not when we ingested it. */
  createdAt?: string;
  sourceDescription?: string;
  metadata?: EpisodeMetadata;
};

/**
 * Writes one episode. Not queued per graph: Zep orders a graph's episodes on its side, and the caller keeps
 * what must stay in order (one record's deletions and chunks, lib/ingest) in order. Inputs over Zep's limits
 * are refused here, never truncated.
 */
export async function writeEpisode(
  graphId: string,
  episode: EpisodeInput,
  opts: ZepCallOptions = {},
  /** onResend: a write whose answer was lost was not found again and is sent once more (a duplicate is possible). */
  hooks: { onResend?: () => void } = {},
): Promise<Zep.Episode> {
  if (episode.data.length > MAX_EPISODE_CHARS)
    throw new RangeError(`episode data is ${episode.data.length} characters; Zep accepts ${MAX_EPISODE_CHARS}: chunk it first`);
  if (episode.metadata && Object.keys(episode.metadata).length > MAX_METADATA_KEYS)
    throw new RangeError(`episode metadata has more than ${MAX_METADATA_KEYS} keys`);
  const client = opts.client ?? zepClient();
  // With a key in the metadata, a write left without an answer (it may have landed) is looked for before
  // re-sending. Not by reading the graph's last episodes: Zep orders those by the time we send (the source
  // record's, possibly years ago), so an episode search on the episode's first line, matched by key.
  const key = episode.metadata?.episodeKey;
  const recover =
    key === undefined
      ? undefined
      : async () => {
          const found = await findEpisodeByKey(graphId, String(key), episode.data, { ...opts, client }).catch(() => undefined);
          if (!found) hooks.onResend?.();
          return found;
        };
  return withRetry(
      (o) =>
        client.graph.add(
          {
            graphId,
            type: episode.type ?? "text",
            data: episode.data,
            createdAt: episode.createdAt,
            sourceDescription: episode.sourceDescription,
            metadata: episode.metadata,
          },
          o,
        ),
      opts,
      recover,
  );
}

/**
 * An episode we wrote, found again by its metadata.episodeKey (a write whose answer was lost): an episode
 * search on its text's first line. One request, no retries; undefined when not found.
 */
export async function findEpisodeByKey(graphId: string, key: string, data: string, opts: ZepCallOptions = {}): Promise<Zep.Episode | undefined> {
  const client = opts.client ?? zepClient();
  const query = data.split("\n", 1)[0]!.slice(0, 400).trim() || data.slice(0, 400);
  const res = await client.graph.search({ graphId, query, scope: "episodes", limit: 50 }, { maxRetries: 0, timeoutInSeconds: 10 });
  return res.episodes?.find((e) => e.metadata?.episodeKey === key);
}

/** Deletes an episode and what Zep derived only from it. An episode already gone counts as deleted. */
export async function deleteEpisode(episodeUuid: string, opts: ZepCallOptions = {}): Promise<void> {
  const client = opts.client ?? zepClient();
  try {
    await withRetry((o) => client.graph.episode.delete(episodeUuid, o), opts);
  } catch (err) {
    if (err instanceof ZepCallError && err.code === "ZEP_NOT_FOUND") return;
    throw err;
  }
}

// ---- search ---------------------------------------------------------------------------------------

export type GraphFact = {
  uuid: string;
  fact: string;
  name: string;
  createdAt: string;
  validAt?: string;
  invalidAt?: string;
  episodeUuids: string[];
  score?: number;
};
export type GraphEpisodeHit = {
  uuid: string;
  content: string;
  sourceDescription?: string;
  metadata?: Record<string, unknown>;
  createdAt: string;
  score?: number;
};
export type GraphSearchResult = { facts: GraphFact[]; episodes: GraphEpisodeHit[] };

/** Facts (edges) and source episodes matching `query`; `limit` (1..50) applies to each list. */
export async function searchGraph(graphId: string, query: string, limit = 10, opts: ZepCallOptions = {}): Promise<GraphSearchResult> {
  const client = opts.client ?? zepClient();
  const capped = Math.max(1, Math.min(50, Math.floor(limit)));
  const q = query.trim();
  if (!q) return { facts: [], episodes: [] };
  const [edges, episodes] = await Promise.all([
    withRetry((o) => client.graph.search({ graphId, query: q, scope: "edges", limit: capped }, o), opts),
    withRetry((o) => client.graph.search({ graphId, query: q, scope: "episodes", limit: capped }, o), opts),
  ]);
  return {
    facts: (edges.edges ?? []).map((e) => ({
      uuid: e.uuid,
      fact: e.fact,
      name: e.name,
      createdAt: e.createdAt,
      validAt: e.validAt,
      invalidAt: e.invalidAt,
      episodeUuids: e.episodes ?? [],
      score: e.score,
    })),
    episodes: (episodes.episodes ?? []).map((e) => ({
      uuid: e.uuid,
      content: e.content,
      sourceDescription: e.sourceDescription,
      metadata: e.metadata,
      createdAt: e.createdAt,
      score: e.score,
    })),
  };
}
