// Nango's records of one connection and model, as a stream: one listRecords page in memory at a time.
import type { Nango } from "@nangohq/node";
import type { NangoRecord } from "./episodes";

export type NangoErrorEntry = { message: string; code: string; timestamp: string; retryAfter?: number };

export type RecordQuery = {
  providerConfigKey: string;
  connectionId: string;
  model: string;
  /** Resume after this record cursor (takes precedence over modifiedAfter). */
  cursor?: string | null;
  /** Records modified at or after this time (ISO 8601); unset lists every record. */
  modifiedAfter?: string | null;
  pageSize?: number;
};

export type RecordStreamOptions = {
  /** Checked before each record is handed out; true ends the stream there (the rest is read next run). */
  shouldStop?: () => boolean;
  /** Each failed listRecords attempt, in SyncJob.errors shape. */
  onError?: (entry: NangoErrorEntry) => void;
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

function describe(err: unknown): { status?: number; retryAfter?: number; detail: string; nangoCode?: string } {
  const e = err as AxiosLike;
  const status = e?.response?.status;
  const header = e?.response?.headers?.["retry-after"];
  const retryAfter = header === undefined ? undefined : Number(header);
  const body = e?.response?.data as { error?: { code?: string; message?: string } } | undefined;
  const nangoCode = body?.error?.code;
  const detail = [nangoCode, body?.error?.message ?? e?.message].filter(Boolean).join(": ") || String(err);
  return { status, retryAfter: Number.isFinite(retryAfter) ? retryAfter : undefined, detail, nangoCode };
}

export async function* nangoRecords(nango: Nango, query: RecordQuery, opts: RecordStreamOptions = {}): AsyncGenerator<NangoRecord> {
  const maxAttempts = opts.maxAttempts ?? 5;
  const baseDelayMs = opts.baseDelayMs ?? 1_000;
  const maxRetryAfterMs = opts.maxRetryAfterMs ?? 120_000;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let cursor = query.cursor ?? undefined;

  for (;;) {
    if (opts.shouldStop?.()) return;
    let page: { records: NangoRecord[]; next_cursor: string | null } | undefined;
    for (let attempt = 1; !page; attempt++) {
      try {
        page = (await nango.listRecords({
          providerConfigKey: query.providerConfigKey,
          connectionId: query.connectionId,
          model: query.model,
          limit: query.pageSize ?? 500,
          ...(cursor ? { cursor } : query.modifiedAfter ? { modifiedAfter: query.modifiedAfter } : {}),
        })) as unknown as { records: NangoRecord[]; next_cursor: string | null };
      } catch (err) {
        const { status, retryAfter, detail, nangoCode } = describe(err);
        const timestamp = new Date().toISOString();
        if (status !== undefined && status < 500 && status !== 429 && status !== 408) {
          const entry = { message: `Nango refused listRecords (${status}): ${detail}`, code: "NANGO_REJECTED", timestamp };
          opts.onError?.(entry);
          throw new NangoPermanentError(entry.message, status, nangoCode ?? "NANGO_REJECTED");
        }
        const entry: NangoErrorEntry =
          status === 429
            ? { message: `Nango rate limit exceeded: ${detail}`, code: "RATE_LIMIT", timestamp, ...(retryAfter !== undefined ? { retryAfter } : {}) }
            : { message: `Nango unavailable${status ? ` (${status})` : ""}: ${detail}`, code: "PROVIDER_UNAVAILABLE", timestamp };
        opts.onError?.(entry);
        const waitMs = retryAfter !== undefined ? retryAfter * 1000 : baseDelayMs * 2 ** (attempt - 1) * (0.8 + Math.random() * 0.4);
        if (attempt >= maxAttempts || waitMs > maxRetryAfterMs) throw new NangoUnavailableError(entry.message, entry.code);
        await sleep(waitMs);
      }
    }
    for (const record of page.records) {
      if (opts.shouldStop?.()) return;
      yield record;
    }
    if (!page.next_cursor || page.records.length === 0) return;
    cursor = page.next_cursor;
  }
}
