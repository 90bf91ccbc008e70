import { describe, expect, it } from "vitest";
import { interactivePolicy, rateLimitWaitMs, retry, RetryGaveUp, workerPolicy, type Failure, type RetryPolicy } from "./retry";

/** A clock that only moves when the loop sleeps (or a call takes time). */
function fakeClock(start = 1_700_000_000_000) {
  let t = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    advance: (ms: number) => void (t += ms),
    policy: (p: Partial<RetryPolicy> = {}): Partial<RetryPolicy> => ({
      now: () => t,
      sleep: async (ms) => {
        sleeps.push(ms);
        t += ms;
      },
      ...p,
    }),
    now: () => t,
  };
}

const failing = (failures: Failure[], value = "ok") => {
  let i = 0;
  return {
    calls: () => i,
    call: async () => {
      if (i < failures.length) throw Object.assign(new Error(`fail ${i}`), { failure: failures[i++] });
      i++;
      return value;
    },
    classify: (err: unknown) => (err as { failure?: Failure }).failure ?? null,
  };
};

describe("rateLimitWaitMs", () => {
  const now = () => 1_700_000_000_000;
  it("waits Retry-After when positive", () => {
    expect(rateLimitWaitMs({ retryAfterSeconds: 3, rateLimitReset: 1_700_000_010 }, { minRateLimitWaitMs: 1000, now })).toBe(3000);
  });
  it("with Retry-After: 0 (Nango, under a second left) waits until X-RateLimit-Reset, in epoch seconds", () => {
    expect(rateLimitWaitMs({ retryAfterSeconds: 0, rateLimitReset: 1_700_000_002 }, { minRateLimitWaitMs: 100, now })).toBe(2000);
  });
  it("never waits less than the floor, even when the reset has passed or nothing is sent", () => {
    expect(rateLimitWaitMs({ retryAfterSeconds: 0, rateLimitReset: 1_699_999_000 }, { minRateLimitWaitMs: 1000, now })).toBe(1000);
    expect(rateLimitWaitMs({ retryAfterSeconds: 0 }, { minRateLimitWaitMs: 1000, now })).toBe(1000);
    expect(rateLimitWaitMs({}, { minRateLimitWaitMs: 250, now })).toBe(250);
  });
  it("reads a small reset as seconds from now", () => {
    expect(rateLimitWaitMs({ retryAfterSeconds: 0, rateLimitReset: 5 }, { minRateLimitWaitMs: 100, now })).toBe(5000);
  });
});

describe("retry", () => {
  it("does not burn its attempts on Retry-After: 0: every retry waits for the reset or the floor", async () => {
    const clock = fakeClock();
    const reset = Math.ceil(clock.now() / 1000) + 2;
    const f = failing([
      { retryable: true, rateLimited: true, retryAfterSeconds: 0, rateLimitReset: reset },
      { retryable: true, rateLimited: true, retryAfterSeconds: 0, rateLimitReset: reset }, // reset has passed by now
      { retryable: true, rateLimited: true, retryAfterSeconds: 0 },
    ]);
    await expect(retry(f.call, f.classify, clock.policy({ minRateLimitWaitMs: 1000 }))).resolves.toBe("ok");
    expect(f.calls()).toBe(4);
    expect(clock.sleeps[0]).toBeGreaterThanOrEqual(1000);
    expect(clock.sleeps[0]).toBeLessThanOrEqual(2000);
    expect(clock.sleeps.slice(1)).toEqual([1000, 1000]);
    expect(clock.sleeps.every((ms) => ms > 0)).toBe(true);
  });

  it("backs off exponentially with jitter for errors without a server-given wait", async () => {
    const clock = fakeClock();
    const f = failing(Array(3).fill({ retryable: true }));
    await retry(f.call, f.classify, clock.policy({ baseDelayMs: 100, maxDelayMs: 10_000 }));
    clock.sleeps.forEach((ms, i) => {
      expect(ms).toBeGreaterThanOrEqual(100 * 2 ** i * 0.8);
      expect(ms).toBeLessThanOrEqual(100 * 2 ** i * 1.2);
    });
  });

  it("gives up at once on what a retry cannot fix, and rethrows what is not a service failure untouched", async () => {
    const clock = fakeClock();
    const f = failing([{ retryable: false }]);
    const err = await retry(f.call, f.classify, clock.policy()).catch((e) => e);
    expect(err).toBeInstanceOf(RetryGaveUp);
    expect(err).toMatchObject({ reason: "not_retryable", attempts: 1 });
    const bug = new TypeError("bug");
    await expect(retry(async () => Promise.reject(bug), () => null, clock.policy())).rejects.toBe(bug);
    expect(clock.sleeps).toEqual([]);
  });

  it("gives up when the server asks for a longer wait than the policy allows", async () => {
    const clock = fakeClock();
    const f = failing([{ retryable: true, rateLimited: true, retryAfterSeconds: 600 }]);
    await expect(retry(f.call, f.classify, clock.policy())).rejects.toMatchObject({ reason: "wait_too_long" });
    expect(clock.sleeps).toEqual([]);
  });

  it("interactive: at most 2 attempts and 3 s in all, however slow or rate-limited the service is", async () => {
    const clock = fakeClock();
    const timeouts: number[] = [];
    // Every attempt uses its whole timeout, then fails like a timeout.
    const slow = async ({ timeoutMs }: { timeoutMs: number }) => {
      timeouts.push(timeoutMs);
      clock.advance(timeoutMs);
      throw Object.assign(new Error("timeout"), { failure: { retryable: true } });
    };
    const start = clock.now();
    const err = await retry(slow, (e) => (e as { failure: Failure }).failure, clock.policy({ ...interactivePolicy, now: clock.now, sleep: clock.policy().sleep })).catch((e) => e);
    expect(err).toBeInstanceOf(RetryGaveUp);
    expect(timeouts.length).toBeLessThanOrEqual(interactivePolicy.maxAttempts);
    expect(clock.now() - start).toBeLessThanOrEqual(3_000);

    // A rate limit asking for 2 s is not waited for: the person gets an answer now.
    const f = failing([{ retryable: true, rateLimited: true, retryAfterSeconds: 2 }]);
    await expect(retry(f.call, f.classify, { ...interactivePolicy, now: clock.now, sleep: async () => {} })).rejects.toMatchObject({ reason: "wait_too_long" });
  });

  it("beforeRetry can end the loop with a value (a lost answer that landed)", async () => {
    const clock = fakeClock();
    const f = failing([{ retryable: true }]);
    const result = await retry(f.call, f.classify, clock.policy(), { beforeRetry: async () => "found" });
    expect(result).toBe("found");
    expect(f.calls()).toBe(1);
  });

  it("the worker policy keeps going through a long outage", () => {
    expect(workerPolicy.maxAttempts).toBeGreaterThanOrEqual(5);
    expect(workerPolicy.totalBudgetMs).toBe(Infinity);
  });
});
