// Nango's records of one connection and model, as a stream: one listRecords page in memory at a time.
import "server-only";
import type { Nango } from "@nangohq/node";
import { retry, RetryGaveUp } from "@/lib/retry";
import type { NangoRecord } from "./episodes";
import type { TimedErrorEntry } from "@/lib/data/error-entry";

export type RecordQuery = {
  providerConfigKey: string;
  connectionId: string;
  model: string;
  /** Resume after this record cursor (takes precedence over modifiedAfter). */
  cursor?: string | null;
  /** Records modified at or after this time (ISO 8601); unset lists every record. */
  modifiedAfter?: string | null;
  /** Only these record ids (retrying failed records). */
  ids?: string[];
  pageSize?: number;
};

export type RecordStreamOptions = {
  /** Checked before each record is handed out; true ends the stream there (the rest is read next run). */
  shouldStop?: () => boolean;
  /** Each failed listRecords attempt, in SyncJob.errors shape. */
  onError?: (entry: TimedErrorEntry) => void;
  /** listRecords attempts per page (429, 5xx and network errors are retried). Default 5. */
  maxAttempts?: number;
  baseDelayMs?: number;
  /** A Retry-After longer than this is not waited for: the page fails (and the job is retried later). */
  maxRetryAfterMs?: number;
  sleep?: (ms: number) => Promise<void>;
};

/** A listRecords failure a retry cannot fix (400/401/403/404: unknown connection, bad model, bad key). */
export class NangoPermanentError extends Error {
  name = "NangoPermanentError";
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
  }
}

export class NangoUnavailableError extends Error {
  name = "NangoUnavailableError";
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

type AxiosLike = { response?: { status?: number; headers?: Record<string, unknown>; data?: unknown }; message?: string; code?: string };

function describe(err: unknown): { status?: number; retryAfter?: number; reset?: number; detail: string; nangoCode?: string } {
  const e = err as AxiosLike;
  const status = e?.response?.status;
  const num = (v: unknown) => (v === undefined || v === null || v === "" ? undefined : Number.isFinite(Number(v)) ? Number(v) : undefined);
  const body = e?.response?.data as { error?: { code?: string; message?: string } } | undefined;
  const nangoCode = body?.error?.code;
  const detail = [nangoCode, body?.error?.message ?? e?.message].filter(Boolean).join(": ") || String(err);
  return { status, retryAfter: num(e?.response?.headers?.["retry-after"]), reset: num(e?.response?.headers?.["x-ratelimit-reset"]), detail, nangoCode };
}

/** One listRecords page, retried under the worker policy (lib/retry); 4xx other than 408/429 fail at once. */
async function listPage(nango: Nango, query: RecordQuery, cursor: string | undefined, opts: RecordStreamOptions) {
  let last: TimedErrorEntry | undefined;
  let permanent: NangoPermanentError | undefined;
  try {
    return await retry(
      async () =>
        (await nango.listRecords({
          providerConfigKey: query.providerConfigKey,
          connectionId: query.connectionId,
          model: query.model,
          limit: query.pageSize ?? 500,
          ...(cursor ? { cursor } : query.modifiedAfter ? { modifiedAfter: query.modifiedAfter } : {}),
          ...(query.ids?.length ? { ids: query.ids } : {}),
        })) as unknown as { records: NangoRecord[]; next_cursor: string | null },
      (err) => {
        const { status, retryAfter, reset, detail, nangoCode } = describe(err);
        const timestamp = new Date().toISOString();
        if (status !== undefined && status < 500 && status !== 429 && status !== 408) {
          last = { message: `Nango refused listRecords (${status}): ${detail}`, code: "NANGO_REJECTED", timestamp };
          permanent = new NangoPermanentError(last.message, status, nangoCode ?? "NANGO_REJECTED");
          opts.onError?.(last);
          return { retryable: false };
        }
        last =
          status === 429
            ? { message: `Nango rate limit exceeded: ${detail}`, code: "RATE_LIMIT", timestamp, ...(retryAfter !== undefined ? { retryAfter } : {}) }
            : { message: `Nango unavailable${status ? ` (${status})` : ""}: ${detail}`, code: "PROVIDER_UNAVAILABLE", timestamp };
        opts.onError?.(last);
        return { retryable: true, rateLimited: status === 429, retryAfterSeconds: retryAfter, rateLimitReset: reset };
      },
      {
        ...(opts.maxAttempts !== undefined ? { maxAttempts: opts.maxAttempts } : { maxAttempts: 5 }),
        ...(opts.baseDelayMs !== undefined ? { baseDelayMs: opts.baseDelayMs } : {}),
        ...(opts.maxRetryAfterMs !== undefined ? { maxRetryAfterMs: opts.maxRetryAfterMs } : {}),
        ...(opts.sleep ? { sleep: opts.sleep } : {}),
      },
    );
  } catch (err) {
    if (!(err instanceof RetryGaveUp)) throw err;
    if (permanent) throw permanent;
    throw new NangoUnavailableError(last!.message, last!.code);
  }
}

/** Pages of records as Nango returns them (one page in memory), with the cursor each page was read from. */
export async function* nangoRecordPages(nango: Nango, query: RecordQuery, opts: RecordStreamOptions = {}): AsyncGenerator<NangoRecord[]> {
  let cursor = query.cursor ?? undefined;
  for (;;) {
    if (opts.shouldStop?.()) return;
    const page = await listPage(nango, query, cursor, opts);
    if (page.records.length) yield page.records;
    if (!page.next_cursor || page.records.length === 0) return;
    cursor = page.next_cursor;
  }
}

export async function* nangoRecords(nango: Nango, query: RecordQuery, opts: RecordStreamOptions = {}): AsyncGenerator<NangoRecord> {
  for await (const page of nangoRecordPages(nango, query, opts)) {
    for (const record of page) {
      if (opts.shouldStop?.()) return;
      yield record;
    }
  }
}
