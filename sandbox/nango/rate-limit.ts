// Nango's API rate limit (packages/server/lib/middleware/ratelimit.middleware.ts): a fixed window per account
// and credential type (rate-limiter-flexible, duration 60 s). Every answer carries X-RateLimit-Limit,
// -Remaining and -Reset (epoch seconds); a 429 adds Retry-After = floor(ms left / 1000), which is 0 in the
// window's last second, and the body {error:{code:"too_many_request", method, path}}.
export function createRateLimiter(limit: number, windowMs: number) {
  const windows = new Map<string, { startedAt: number; count: number }>();
  return (key: string) => {
    const now = Date.now();
    let window = windows.get(key);
    if (!window || now - window.startedAt >= windowMs) {
      window = { startedAt: now, count: 0 };
      windows.set(key, window);
    }
    window.count += 1;
    const msBeforeNext = window.startedAt + windowMs - now;
    const limited = window.count > limit;
    const headers: Record<string, string> = {
      "X-RateLimit-Limit": String(limit),
      "X-RateLimit-Remaining": String(Math.max(0, limit - window.count)),
      "X-RateLimit-Reset": String(Math.floor((now + msBeforeNext) / 1000)),
    };
    if (limited) headers["Retry-After"] = String(Math.floor(msBeforeNext / 1000));
    return { limited, headers };
  };
}
