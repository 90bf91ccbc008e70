// A process that cannot work without the database (the worker) waits for it at start instead of dying with
// a stack trace: in a deployment the database often comes up after the processes that use it. What cannot get
// better by waiting (a wrong password, a refused role, TLS settings) ends the wait at once, with its reason.
import pg from "pg";
import { retry, RetryGaveUp, type RetryPolicy } from "@/lib/retry";

// Connection errors that waiting can cure: nothing listening yet, a name not resolvable yet, no answer;
// PostgreSQL starting, restarting or in recovery (57P01-57P03), out of connection slots (53300), a pooler whose
// server is away (class 08); a database not created yet (3D000: start:prod creates it, workers may start first).
const TRANSIENT_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "57P01", "57P02", "57P03", "53300", "3D000"]);
const isTransient = (err: unknown) => {
  const code = (err as { code?: string }).code;
  if (code !== undefined) return TRANSIENT_CODES.has(code) || code.startsWith("08");
  // pg's own words for a socket closed or silent before the server answered (a proxy in front of a server still starting).
  return err instanceof Error && /timeout|Connection terminated/i.test(err.message);
};

/** Why a connection failed, in words an operator can act on (no password, no stack). */
function describeDatabaseError(err: unknown): string {
  const e = err as { code?: string; message?: string; address?: string; port?: number };
  const where = e.address ? ` (${e.address}${e.port ? `:${e.port}` : ""})` : "";
  switch (e.code) {
    case "ECONNREFUSED":
      return `nothing accepts connections at the database's address${where}`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "the database's host name does not resolve";
    case "57P03":
      return "the database is starting up or shutting down";
    case "28P01":
    case "28000":
      return "the database refused the user or password in DATABASE_URL";
    case "3D000":
      return "the database named in DATABASE_URL does not exist";
    default:
      return `the database could not be reached: ${e.code ?? e.message ?? String(err)}`;
  }
}

export type DatabaseWait = {
  /** Each failed attempt that will be retried, with the wait before the next one. */
  onWaiting?: (reason: string, attempt: number) => void;
  /**
   * Attempts, waits and the per-attempt timeout, as lib/retry's policy (default: 8 attempts of at most 5 s,
   * the worker policy's waits doubling from 1 s to 30 s: about 90 s, more when attempts time out).
   */
  policy?: Partial<RetryPolicy>;
  /** The server answering is enough: a database that does not exist yet is the caller's to create. */
  serverOnly?: boolean;
};

/**
 * Resolves once `SELECT 1` succeeds on a fresh connection to `url`. Rejects with an Error whose message says
 * why (see describeDatabaseError) when the failure cannot pass by waiting or the attempts run out.
 */
export async function waitForDatabase(url: string, opts: DatabaseWait = {}): Promise<void> {
  const policy = { maxAttempts: 8, timeoutMs: 5_000, ...opts.policy };
  try {
    await retry(
      async ({ timeoutMs }) => {
        const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
        // A connection that fails later reports on the client; without a listener it would end the process.
        client.on("error", () => {});
        try {
          await client.connect();
          await client.query("SELECT 1");
        } catch (err) {
          if (!(opts.serverOnly && (err as { code?: string }).code === "3D000")) throw err;
        } finally {
          await client.end().catch(() => {});
        }
      },
      (err) => ({ retryable: isTransient(err) }),
      policy,
      {
        onFailure: (err, failure, attempt) => {
          if (failure.retryable && attempt < policy.maxAttempts) opts.onWaiting?.(describeDatabaseError(err), attempt);
        },
      },
    );
  } catch (err) {
    const last = err instanceof RetryGaveUp ? err.lastError : err;
    const attempts = err instanceof RetryGaveUp ? err.attempts : 1;
    throw new Error(`${describeDatabaseError(last)} (after ${attempts} attempt${attempts === 1 ? "" : "s"})`, { cause: last });
  }
}
