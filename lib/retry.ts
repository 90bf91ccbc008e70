/**
 * The one retry/backoff loop for calls to outside services (Zep, Nango). Callers say what an error means
 * (`classify`); this decides whether and how long to wait, under one of two policies:
 * - `interactive`: a person is waiting (Knowledge page): at most 2 attempts and 3 s in all, so an outage
 *   shows as a sentence quickly instead of a page that hangs.
 * - `worker`: background ingestion: several attempts with exponential backoff, honouring rate limits.
 *
 * Rate limits: Nango answers 429 with `Retry-After: 0` when less than a second is left, together with
 * `X-RateLimit-Reset` (epoch seconds). Waiting "0 s" would burn every attempt at once, so a 429 waits
 * Retry-After when it is positive, else until the reset, and never less than `minRateLimitWaitMs`.
 */

export type RetryPolicy = {
  /** Attempts in total, the first included. */
  maxAttempts: number;
  /** Backoff for errors without a server-given wait: base * 2^(n-1), ±20% jitter, capped at maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A server asking us to wait longer than this makes us give up at once (the job is retried later). */
  maxRetryAfterMs: number;
  /** Least wait after a 429, whatever the headers say. */
  minRateLimitWaitMs: number;
  /** All attempts and waits together stay within this (Infinity: no overall budget). */
  totalBudgetMs: number;
  /** Per-request timeout, for callers whose client takes one. */
  timeoutMs: number;
  /** Injected in tests to avoid real waits. */
  sleep: (ms: number) => Promise<void>;
  /** Injected in tests (budget and rate-limit resets). */
  now: () => number;
};

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export const workerPolicy: RetryPolicy = {
  maxAttempts: 6,
  baseDelayMs: 1_000,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 120_000,
  minRateLimitWaitMs: 1_000,
  totalBudgetMs: Infinity,
  timeoutMs: 30_000,
  sleep: realSleep,
  now: Date.now,
};

export const interactivePolicy: RetryPolicy = {
  maxAttempts: 2,
  baseDelayMs: 250,
  maxDelayMs: 1_000,
  maxRetryAfterMs: 1_000,
  minRateLimitWaitMs: 250,
  totalBudgetMs: 3_000,
  timeoutMs: 1_500,
  sleep: realSleep,
  now: Date.now,
};

/** What the caller's classifier says about one failure. */
export type Failure = {
  /** False: give up now (a retry cannot help). */
  retryable: boolean;
  /** A 429: the wait comes from the headers below (with the policy's floor). */
  rateLimited?: boolean;
  /** Retry-After in seconds, as sent. */
  retryAfterSeconds?: number;
  /** X-RateLimit-Reset as sent: epoch seconds, or seconds from now when small. */
  rateLimitReset?: number;
};

export type Attempt = { attempt: number; timeoutMs: number };

/** Why the loop stopped retrying (for the caller's error). */
export type GiveUp = "not_retryable" | "attempts" | "wait_too_long" | "budget";

export class RetryGaveUp extends Error {
  name = "RetryGaveUp";
  constructor(
    readonly reason: GiveUp,
    readonly lastError: unknown,
    readonly attempts: number,
  ) {
    super(`gave up after ${attempts} attempt(s): ${reason}`, { cause: lastError });
  }
}

/** How long to wait after a 429 (ms): Retry-After if positive, else until the reset, never under the floor. */
export function rateLimitWaitMs(f: Pick<Failure, "retryAfterSeconds" | "rateLimitReset">, policy: Pick<RetryPolicy, "minRateLimitWaitMs" | "now">): number {
  let wait = 0;
  if (f.retryAfterSeconds !== undefined && f.retryAfterSeconds > 0) wait = f.retryAfterSeconds * 1000;
  else if (f.rateLimitReset !== undefined && Number.isFinite(f.rateLimitReset)) {
    // Nango and Zep send epoch seconds; a small number can only be a delta.
    wait = f.rateLimitReset > 1e9 ? f.rateLimitReset * 1000 - policy.now() : f.rateLimitReset * 1000;
  }
  return Math.max(policy.minRateLimitWaitMs, Math.ceil(wait));
}

/** Exponential backoff with ±20% jitter. */
export function backoffMs(attempt: number, policy: Pick<RetryPolicy, "baseDelayMs" | "maxDelayMs">): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1)) * (0.8 + Math.random() * 0.4);
}

export type RetryHooks<T> = {
  /** Each failure as it happens (after classification), with the wait that would follow. */
  onFailure?: (err: unknown, failure: Failure, attempt: number) => void;
  /**
   * Asked after the wait, before sending again; a value ends the loop with it (e.g. a write whose answer
   * was lost turned out to have landed). Errors in it count as "not found".
   */
  beforeRetry?: (err: unknown, failure: Failure) => Promise<T | undefined>;
};

/**
 * Runs `call` until it succeeds or the policy says stop. `classify` returning null means the error is not
 * a service failure at all (a bug, a local validation error): it is rethrown as it is, untouched.
 * Otherwise a give-up throws RetryGaveUp with the last error as `lastError`.
 */
export async function retry<T>(
  call: (a: Attempt) => Promise<T>,
  classify: (err: unknown) => Failure | null,
  policyIn: Partial<RetryPolicy> = {},
  hooks: RetryHooks<T> = {},
): Promise<T> {
  const policy: RetryPolicy = { ...workerPolicy, ...policyIn };
  const deadline = policy.now() + policy.totalBudgetMs;
  for (let attempt = 1; ; attempt++) {
    const left = deadline - policy.now();
    try {
      return await call({ attempt, timeoutMs: Math.max(1, Math.min(policy.timeoutMs, left)) });
    } catch (err) {
      const failure = classify(err);
      if (!failure) throw err;
      hooks.onFailure?.(err, failure, attempt);
      if (!failure.retryable) throw new RetryGaveUp("not_retryable", err, attempt);
      if (attempt >= policy.maxAttempts) throw new RetryGaveUp("attempts", err, attempt);
      const waitMs = failure.rateLimited ? rateLimitWaitMs(failure, policy) : backoffMs(attempt, policy);
      if (waitMs > policy.maxRetryAfterMs) throw new RetryGaveUp("wait_too_long", err, attempt);
      // Leave room for at least a short next attempt inside the budget.
      if (policy.now() + waitMs + 100 > deadline) throw new RetryGaveUp("budget", err, attempt);
      await policy.sleep(waitMs);
      if (hooks.beforeRetry) {
        const found = await hooks.beforeRetry(err, failure).catch(() => undefined);
        if (found !== undefined) return found;
      }
    }
  }
}
