/**
 * The HTTP transport under the Zep SDK: its documented `fetcher` option (ZepClient.Options), implemented with
 * undici's `request` on one keep-alive connection pool per process. The SDK's default goes through the global
 * `fetch`, whose web streams, abort signals and Response objects cost more CPU per request than the request
 * itself: in the ingestion bench they were a quarter of the worker's CPU (scripts/bench/ingestion.ts).
 *
 * It answers what the SDK's own fetcher answers, so the SDK's errors stay the same: a status code with its
 * parsed body ("status-code"), a timeout ("timeout"), anything else ("unknown", with the message).
 */
import "server-only";
import { EventEmitter } from "node:events";
import { Agent, type Dispatcher } from "undici";
import type { ZepClient } from "@getzep/zep-cloud";

type FetchFunction = NonNullable<NonNullable<ConstructorParameters<typeof ZepClient>[0]>["fetcher"]>;
type Args = Parameters<FetchFunction>[0];
type Supplied = string | (() => string | undefined | Promise<string | undefined>) | undefined;

let shared: Dispatcher | undefined;
/** One pool of keep-alive connections per process, as the global fetch keeps. */
const dispatcher = () => (shared ??= new Agent());

function requestUrl(base: string, query: Args["queryParameters"]): string {
  if (!query) return base;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === null || value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) {
      // Atlas sends scalars only; a nested object would need Fern's bracket notation.
      if (typeof v === "object") throw new TypeError(`query parameter ${key}: objects are not supported`);
      params.append(key, String(v));
    }
  }
  const qs = params.toString();
  return qs ? `${base}${base.includes("?") ? "&" : "?"}${qs}` : base;
}

async function headersOf(args: Args): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  if (args.body !== undefined && args.contentType != null) out["content-type"] = args.contentType;
  const given = args.headers ?? {};
  for (const key in given) {
    const value = given[key] as Supplied;
    const v = typeof value === "function" ? await value() : value;
    if (v !== undefined && v !== null) out[key] = String(v);
  }
  return out;
}

/** "http://host:port/path?q" → origin and path, without a URL object per request (the SDK sends absolute URLs). */
function splitUrl(url: string): { origin: string; path: string } {
  const slash = url.indexOf("/", url.indexOf("//") + 2);
  return slash < 0 ? { origin: url, path: "/" } : { origin: url.slice(0, slash), path: url.slice(slash) };
}

/**
 * What the SDK calls rawResponse: status and headers (Retry-After and X-RateLimit-Reset are read from it).
 * The Headers object is built when first read: most answers' headers never are.
 */
function rawResponse(url: string, statusCode: number, raw: Record<string, string | string[] | undefined>) {
  let headers: Headers | undefined;
  return {
    get headers() {
      if (!headers) {
        headers = new Headers();
        for (const [k, v] of Object.entries(raw)) if (v !== undefined) for (const one of Array.isArray(v) ? v : [v]) headers.append(k, one);
      }
      return headers;
    },
    redirected: false,
    status: statusCode,
    statusText: "",
    type: "basic" as ResponseType,
    url,
  };
}

const unknownResponse = (url: string) => ({ headers: new Headers(), redirected: false, status: 0, statusText: "", type: "error" as ResponseType, url });

export const zepFetcher: FetchFunction = async (args) => {
  const url = requestUrl(args.url, args.queryParameters);
  if (args.abortSignal?.aborted) return { ok: false, error: { reason: "unknown", errorMessage: "The user aborted a request" }, rawResponse: unknownResponse(url) };
  const body = args.body === undefined ? undefined : args.requestType === "json" || args.requestType === undefined ? JSON.stringify(args.body) : (args.body as string);
  // The whole request's deadline, as the SDK's fetcher has it (undici's headersTimeout did not fire under a
  // second). undici takes an EventEmitter as the signal: lighter than an AbortController per request.
  const abort = new EventEmitter();
  let timedOut = false;
  const timer = args.timeoutMs === undefined ? undefined : setTimeout(() => ((timedOut = true), abort.emit("abort")), args.timeoutMs);
  const onAbort = () => abort.emit("abort");
  args.abortSignal?.addEventListener("abort", onAbort, { once: true });
  try {
    const { origin, path } = splitUrl(url);
    const res = await dispatcher().request({
      origin,
      path,
      method: args.method as Dispatcher.HttpMethod,
      headers: await headersOf(args),
      body,
      signal: abort,
    });
    const text = await res.body.text();
    const raw = rawResponse(url, res.statusCode, res.headers);
    // Not Zep's answer (a redirect, or a proxy's page with 200): no status code, so lib/zep classifies it as
    // Zep unavailable (retried, then the run stops), never as a record Zep refused. fetch would follow a
    // redirect; a base URL that redirects is a configuration to fix, said in the message.
    const notZep = (what: string) => ({ ok: false as const, error: { reason: "unknown" as const, errorMessage: what }, rawResponse: raw });
    if (res.statusCode >= 300 && res.statusCode < 400)
      return notZep(`Zep answered ${res.statusCode} (a redirect to ${String(res.headers.location ?? "?")}): set ZEP_BASE_URL to the final address`);
    let parsed: unknown = undefined;
    if (text.length > 0) {
      try {
        parsed = JSON.parse(text);
      } catch {
        if (res.statusCode < 300) return notZep(`Zep answered ${res.statusCode} with a body that is not JSON: ${text.slice(0, 120)}`);
        parsed = text;
      }
    }
    if (res.statusCode >= 200 && res.statusCode < 300) return { ok: true, body: parsed as never, rawResponse: raw };
    return { ok: false, error: { reason: "status-code", statusCode: res.statusCode, body: parsed }, rawResponse: raw };
  } catch (err) {
    if (args.abortSignal?.aborted) return { ok: false, error: { reason: "unknown", errorMessage: "The user aborted a request" }, rawResponse: unknownResponse(url) };
    if (timedOut) return { ok: false, error: { reason: "timeout" }, rawResponse: unknownResponse(url) };
    const message = err instanceof Error ? `${err.message}${(err as { code?: string }).code ? ` (${(err as { code?: string }).code})` : ""}` : String(err);
    return { ok: false, error: { reason: "unknown", errorMessage: message }, rawResponse: unknownResponse(url) };
  } finally {
    clearTimeout(timer);
    args.abortSignal?.removeEventListener("abort", onAbort);
  }
};
