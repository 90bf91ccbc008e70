import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { zepFetcher } from "./transport";
import { newZepClient, writeEpisode } from "./zep";

// A server answering whatever each test asks for, recording what it received.
type Seen = { method: string; url: string; headers: http.IncomingHttpHeaders; body: string };
let seen: Seen[] = [];
let answer: (req: http.IncomingMessage, res: http.ServerResponse) => void = (_req, res) => res.end();
const server = http.createServer(async (req, res) => {
  let body = "";
  for await (const c of req) body += c;
  seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
  answer(req, res);
});
let base = "";
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v2`;
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((r) => server.close(() => r()));
});

const json = (status: number, body: unknown, headers: Record<string, string> = {}) => (_req: http.IncomingMessage, res: http.ServerResponse) => {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
};

describe("zepFetcher (the SDK's transport)", () => {
  it("sends the method, headers (suppliers resolved), query and JSON body, and parses a JSON answer", async () => {
    seen = [];
    answer = json(200, { uuid: "e-1" });
    const res = await zepFetcher({
      url: `${base}/graph/episodes/graph/g-1`,
      method: "POST",
      contentType: "application/json",
      headers: { Authorization: "Api-Key k", "X-Supplied": () => "yes", "X-Unset": undefined },
      queryParameters: { lastn: "3", tag: ["a", "b"], skip: null },
      body: { data: "hello", metadata: { n: 1 } },
      requestType: "json",
    });
    expect(res).toMatchObject({ ok: true, body: { uuid: "e-1" } });
    expect(seen[0]).toMatchObject({ method: "POST", url: "/api/v2/graph/episodes/graph/g-1?lastn=3&tag=a&tag=b", body: '{"data":"hello","metadata":{"n":1}}' });
    expect(seen[0]!.headers).toMatchObject({ authorization: "Api-Key k", "x-supplied": "yes", "content-type": "application/json" });
    expect(seen[0]!.headers["x-unset"]).toBeUndefined();
  });

  it("an error status comes back as the SDK's status-code error, with the body and headers readable", async () => {
    answer = json(429, { message: "Rate limit exceeded" }, { "Retry-After": "7", "X-RateLimit-Reset": "1700000000" });
    const res = await zepFetcher({ url: `${base}/graph`, method: "POST", body: {}, requestType: "json" });
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.error).toEqual({ reason: "status-code", statusCode: 429, body: { message: "Rate limit exceeded" } });
    expect(res.rawResponse.status).toBe(429);
    expect(res.rawResponse.headers.get("retry-after")).toBe("7");
    expect(res.rawResponse.headers.get("x-ratelimit-reset")).toBe("1700000000");

    answer = (_req, res) => res.writeHead(502).end("<html>bad gateway</html>");
    expect(await zepFetcher({ url: `${base}/graph`, method: "GET" })).toMatchObject({ ok: false, error: { reason: "status-code", statusCode: 502, body: "<html>bad gateway</html>" } });
  });

  it("a 2xx that is not JSON, or a redirect, is not Zep's answer: an error without a status (Zep unavailable); an empty body is undefined", async () => {
    answer = (_req, res) => res.writeHead(200).end("<html>proxy</html>");
    expect(await zepFetcher({ url: `${base}/x`, method: "GET" })).toMatchObject({ ok: false, error: { reason: "unknown", errorMessage: expect.stringContaining("not JSON") } });
    answer = (_req, res) => res.writeHead(301, { location: "https://zep.example/api/v2/x" }).end();
    expect(await zepFetcher({ url: `${base}/x`, method: "POST", body: {}, requestType: "json" })).toMatchObject({
      ok: false,
      error: { reason: "unknown", errorMessage: expect.stringContaining("https://zep.example/api/v2/x") },
    });
    answer = (_req, res) => res.writeHead(204).end();
    expect(await zepFetcher({ url: `${base}/x`, method: "DELETE" })).toMatchObject({ ok: true, body: undefined });
    // Through the SDK and lib/zep: retried as Zep unavailable, never a record refused.
    answer = (_req, res) => res.writeHead(200).end("<html>proxy</html>");
    const err = await writeEpisode("g-1", { data: "x" }, { client: newZepClient({ apiKey: "k", baseUrl: base }), retry: { maxAttempts: 2, baseDelayMs: 1, sleep: async () => {} } }).catch((e) => e);
    expect(err).toMatchObject({ code: "ZEP_UNAVAILABLE", errors: [{ code: "ZEP_UNAVAILABLE" }, { code: "ZEP_UNAVAILABLE" }] });
  });

  it("a deadline passed is a timeout; a caller's abort and a refused connection are unknown errors", async () => {
    answer = (_req, res) => setTimeout(() => res.end("{}"), 300);
    expect(await zepFetcher({ url: `${base}/slow`, method: "GET", timeoutMs: 50 })).toMatchObject({ ok: false, error: { reason: "timeout" } });

    const early = new AbortController();
    early.abort();
    seen = [];
    expect(await zepFetcher({ url: `${base}/x`, method: "GET", abortSignal: early.signal })).toMatchObject({ ok: false, error: { errorMessage: "The user aborted a request" } });
    expect(seen).toEqual([]); // nothing sent

    const caller = new AbortController();
    setTimeout(() => caller.abort(), 20);
    expect(await zepFetcher({ url: `${base}/slow`, method: "GET", timeoutMs: 5_000, abortSignal: caller.signal })).toMatchObject({
      ok: false,
      error: { reason: "unknown", errorMessage: "The user aborted a request" },
    });

    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const refused = await zepFetcher({ url: `http://127.0.0.1:${port}/api/v2/graph`, method: "GET", timeoutMs: 5_000 });
    expect(refused).toMatchObject({ ok: false, error: { reason: "unknown", errorMessage: expect.stringContaining("ECONNREFUSED") } });
  });
});
