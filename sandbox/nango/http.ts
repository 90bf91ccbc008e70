// The pieces every route area shares: the hono app type, authentication (secret key, connect session token,
// or either) followed by the rate limit, JSON bodies, and Nango's error answers.
import { Hono, type Context, type MiddlewareHandler } from "hono";
import { apiError, nangoError, NangoApiError } from "./errors";
import { liveSession } from "./auth-flows";
import { createRateLimiter } from "./rate-limit";
import type { ConnectSession, Store } from "./state";

export type Env = { Variables: { session: ConnectSession | null } };
export type App = Hono<Env>;

/** strict: false: "/records/" (what the SDK calls) and "/records" are one route, as in Express. */
export const newApp = () => new Hono<Env>({ strict: false });

export type Auth = (kind: "secret" | "session" | "either") => MiddlewareHandler<Env>;

/**
 * Authentication as Nango's access middleware: no header → missing_auth_header, a token that is neither the
 * secret key nor a live session → unknown_account (unknown_connect_session_token for session-shaped tokens).
 * Then the rate limit, counted per credential type as Nango counts per account and auth type.
 */
export function createAuth(store: Store): Auth {
  const limiter = createRateLimiter(store.opts.rateLimitPerMinute ?? 200, store.opts.rateLimitWindowMs ?? 60_000);
  return (kind) => async (c, next) => {
    const header = c.req.header("authorization");
    if (!header) throw nangoError("missing_auth_header");
    const token = header.split("Bearer ").pop();
    if (!token) throw nangoError("malformed_auth_header");
    const isSecret = token === store.opts.secretKey;
    const session = liveSession(store, token) ?? null;
    const allowed = (kind !== "session" && isSecret) || (kind !== "secret" && session);
    if (!allowed) throw nangoError(token.startsWith("nango_connect_session_") ? "unknown_connect_session_token" : "unknown_account");
    c.set("session", session);
    const rate = limiter(isSecret ? "secret" : "session");
    for (const [k, v] of Object.entries(rate.headers)) c.header(k, v);
    if (rate.limited) {
      throw new NangoApiError(429, { error: { code: "too_many_request", method: c.req.method, path: new URL(c.req.url).pathname } }, rate.headers);
    }
    await next();
  };
}

/** The request's JSON body; Express' body parser answers invalid JSON with a 400. */
export async function jsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw apiError(400, "invalid_body", "Body is not valid JSON");
  }
}

/** Query parameters; repeated keys become arrays (as Express' qs parser does). */
export function queryOf(c: Context): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of new URL(c.req.url).searchParams) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

export function onError(err: Error, c: Context) {
  if (err instanceof NangoApiError) {
    for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
    return c.json(err.body, err.status as 400);
  }
  console.error("[nango sandbox]", err);
  return c.json({ error: { code: "server_error", message: String(err) } }, 500);
}
