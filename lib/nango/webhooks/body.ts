// The raw body of a webhook, and its JSON made safe for PostgreSQL.
//
// Nango's bodies are JSON, and a provider payload inside a forward webhook can hold anything JSON can:
// "\u0000", lone surrogates ("\ud800"), huge numbers, deep nesting. jsonb and text refuse NUL and
// unpaired surrogates, so the exact bytes are kept in a bytea column and what Atlas reads and displays is a
// copy with those characters replaced by U+FFFD (and nesting below MAX_DEPTH elided).

/** Nango's webhooks are a few hundred bytes; forward webhooks carry provider payloads, still far below this. */
export const MAX_WEBHOOK_BYTES = 256 * 1024;

/**
 * The request body's bytes, read no further than `limit`: a sender that claims or streams more gets null
 * (answer 413) without Atlas buffering it all.
 */
export async function readBodyWithin(req: Request, limit = MAX_WEBHOOK_BYTES): Promise<Buffer | null> {
  const declared = Number(req.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > limit) return null;
  if (!req.body) return Buffer.alloc(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

// NUL, and surrogates not part of a pair (matched per UTF-16 code unit: no `u` flag on purpose).
const UNSAFE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const UNSAFE_ALL = new RegExp(UNSAFE.source, "g");

export function safeString(s: string): string {
  return UNSAFE.test(s) ? s.replace(UNSAFE_ALL, "\ufffd") : s;
}

/** Deeper than this, a value is shown as a placeholder (PostgreSQL and the page both have limits). */
export const MAX_DEPTH = 64;

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A copy of parsed JSON that PostgreSQL's jsonb accepts and a page can render. */
export function safeJson(value: unknown, depth = 0): Json {
  if (typeof value === "string") return safeString(value);
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (value === null || typeof value === "boolean") return value;
  if (depth >= MAX_DEPTH) return "[nested too deep to show]";
  if (Array.isArray(value)) return value.map((v) => safeJson(v, depth + 1));
  if (typeof value === "object") {
    const out: { [key: string]: Json } = {};
    for (const [k, v] of Object.entries(value)) out[safeString(k)] = safeJson(v, depth + 1);
    return out;
  }
  return null;
}

/** The body as a JSON object, or why not. Invalid UTF-8 is not JSON (RFC 8259 requires UTF-8). */
export function parseObject(raw: Uint8Array): { ok: true; value: Record<string, unknown> } | { ok: false; reason: string } {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(raw);
  } catch {
    return { ok: false, reason: "body is not valid UTF-8" };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, reason: err instanceof RangeError ? "body is nested too deeply to read" : "body is not valid JSON" };
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) return { ok: false, reason: "body is not a JSON object" };
  return { ok: true, value: value as Record<string, unknown> };
}
