// A process that cannot work without the database (the worker) waits for it at start instead of dying with
// a stack trace: in a deployment the database often comes up after the processes that use it. What cannot get
// better by waiting (a wrong password, a database that does not exist) ends the wait at once, with its reason.
import pg from "pg";
import { retry, RetryGaveUp, type RetryPolicy } from "@/lib/retry";

// Connection errors that waiting can cure: nothing listening yet, a name not resolvable yet, no answer, or
// PostgreSQL still starting / shutting down / in recovery (SQLSTATE 57P03).
const TRANSIENT_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "57P03"]);

/** Why a connection failed, in words an operator can act on (no password, no stack). */
export function describeDatabaseError(err: unknown): string {
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
  /** Attempts and waits, as lib/retry's policy (default: up to about two minutes, waits doubling to 30 s). */
  policy?: Partial<RetryPolicy>;
  /** Per-attempt connection timeout, ms. */
  connectTimeoutMs?: number;
  /** The server answering is enough: a database that does not exist yet is the caller's to create. */
  serverOnly?: boolean;
};

/**
 * Resolves once `SELECT 1` succeeds on a fresh connection to `url`. Rejects with an Error whose message says
 * why (see describeDatabaseError) when the failure cannot pass by waiting or the attempts run out.
 */
export async function waitForDatabase(url: string, opts: DatabaseWait = {}): Promise<void> {
  const timeoutMs = opts.connectTimeoutMs ?? 5_000;
  const policy = { maxAttempts: 8, baseDelayMs: 1_000, maxDelayMs: 30_000, ...opts.policy };
  try {
    await retry(
      async () => {
        const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
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
      (err) => {
        const code = (err as { code?: string }).code;
        const timedOut = err instanceof Error && /timeout/i.test(err.message);
        return { retryable: timedOut || (code !== undefined && TRANSIENT_CODES.has(code)) };
      },
      policy,
      { onFailure: (err, failure, attempt) => failure.retryable && attempt < policy.maxAttempts && opts.onWaiting?.(describeDatabaseError(err), attempt) },
    );
  } catch (err) {
    const last = err instanceof RetryGaveUp ? err.lastError : err;
    const attempts = err instanceof RetryGaveUp ? err.attempts : 1;
    throw new Error(`${describeDatabaseError(last)} (after ${attempts} attempt${attempts === 1 ? "" : "s"})`, { cause: last });
  }
}
