// Requests that are not Nango's (no or a wrong signature, or a body over the cap) cost almost nothing: no
// database row, a counter in memory, and per client address a limit (rate-limiter-flexible, in memory):
// beyond it the answer is 429 instead of 401. The signature is always checked first (the body is capped and
// an HMAC costs microseconds), so a genuine delivery is never refused because of its address: Nango never
// retries a 4xx. The counts are per process and since its start; admins see them on the Webhooks page.
import { RateLimiterMemory, type RateLimiterRes } from "rate-limiter-flexible";

export type RefusalKind = "unsigned" | "bad_signature" | "oversized" | "rate_limited";

type State = {
  limiter: RateLimiterMemory;
  perMinute: number;
  counts: Record<RefusalKind, number>;
  since: Date;
  lastAt: Date | null;
};

const holder = globalThis as unknown as { atlasForgedWebhooks?: State };

function state(perMinute: number): State {
  let s = holder.atlasForgedWebhooks;
  if (!s || s.perMinute !== perMinute) {
    s = {
      limiter: new RateLimiterMemory({ points: perMinute, duration: 60, keyPrefix: "nango-webhook" }),
      perMinute,
      counts: s?.counts ?? { unsigned: 0, bad_signature: 0, oversized: 0, rate_limited: 0 },
      since: s?.since ?? new Date(),
      lastAt: s?.lastAt ?? null,
    };
    holder.atlasForgedWebhooks = s;
  }
  return s;
}

/**
 * The client's address as the nearest proxy saw it: the last X-Forwarded-For entry (Next's server sets the
 * header from the socket when no proxy did), else X-Real-IP.
 */
export function clientAddress(headers: Headers): string {
  const forwarded = headers.get("x-forwarded-for")?.split(",").map((s) => s.trim()).filter(Boolean);
  return forwarded?.at(-1) ?? headers.get("x-real-ip")?.trim() ?? "unknown";
}

/** Counts a refused request; the answer is 429 once the address has spent its minute's allowance. */
export async function refuse(kind: Exclude<RefusalKind, "rate_limited">, address: string, perMinute: number): Promise<{ status: number; retryAfter?: number }> {
  const s = state(perMinute);
  s.lastAt = new Date();
  try {
    await s.limiter.consume(address);
    s.counts[kind]++;
    return { status: kind === "oversized" ? 413 : 401 };
  } catch (res) {
    // By shape, not instanceof: the limiter may be another copy of the package's (Next's bundle and the
    // production server's webhook path share this state, scripts/server.ts).
    const wait = (res as Partial<RateLimiterRes> | null)?.msBeforeNext;
    if (typeof wait !== "number") throw res;
    s.counts.rate_limited++;
    return { status: 429, retryAfter: Math.max(1, Math.ceil(wait / 1000)) };
  }
}

export type ForgedStats = { counts: Record<RefusalKind, number>; total: number; since: Date; lastAt: Date | null };

export function forgedStats(): ForgedStats {
  const s = holder.atlasForgedWebhooks;
  const counts = { ...(s?.counts ?? { unsigned: 0, bad_signature: 0, oversized: 0, rate_limited: 0 }) };
  return { counts, total: Object.values(counts).reduce((a, b) => a + b, 0), since: s?.since ?? new Date(), lastAt: s?.lastAt ?? null };
}
