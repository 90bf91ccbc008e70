import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ZepClient } from "@getzep/zep-cloud";
import { startZepSandbox, type ZepSandbox } from "@/sandbox/zep";
import { testEnv } from "@/lib/test/env";
import {
  newZepClient,
  graphIdFor,
  KeyedSerializer,
  zepClientFromEnv,
  ensureGraph,
  writeEpisode,
  searchGraph,
  ZepCallError,
  type ZepErrorEntry,
  type ZepCallOptions,
} from "./index";

const API_KEY = "k";
let sandbox: ZepSandbox;
let client: ZepClient;

beforeAll(async () => {
  sandbox = await startZepSandbox({ apiKey: API_KEY, processingMs: 5 });
  client = newZepClient({ apiKey: API_KEY, baseUrl: sandbox.url });
});
afterAll(() => sandbox.stop());
afterEach(() => sandbox.setFault(null));

/** Options that record every wait and error instead of sleeping for real. */
function recorded(extra: ZepCallOptions["retry"] = {}) {
  const sleeps: number[] = [];
  const errors: ZepErrorEntry[] = [];
  const opts: ZepCallOptions = {
    client,
    onError: (e) => errors.push(e),
    retry: { baseDelayMs: 10, maxAttempts: 4, sleep: async (ms) => void sleeps.push(ms), ...extra },
  };
  return { sleeps, errors, opts };
}

let n = 0;
const freshGraph = async () => {
  const id = graphIdFor(`org-${Date.now()}-${n++}`, "proj");
  await ensureGraph(id, { client });
  return id;
};

describe("graphIdFor", () => {
  it("is stable, short and uses only [A-Za-z0-9_-]", () => {
    const id = graphIdFor("clx9Org.Ü/1", "Project One!");
    expect(id).toBe(graphIdFor("clx9Org.Ü/1", "Project One!"));
    expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(id.length).toBeLessThanOrEqual(44);
    expect(id.startsWith("atlas-clx9org1-projecto-")).toBe(true);
  });

  it("never maps two different pairs to one graph, even when their slugs collide", () => {
    const pairs: Array<[string, string]> = [
      ["a_b", "c"],
      ["a", "b_c"],
      ["org.1", "p"],
      ["org-1", "p"],
      ["org1", "p"],
      ["ORG1", "p"],
    ];
    const ids = pairs.map(([o, p]) => graphIdFor(o, p));
    expect(new Set(ids).size).toBe(pairs.length);
    expect(() => graphIdFor("", "p")).toThrow();
  });
});

describe("KeyedSerializer", () => {
  it("runs one key's tasks in order, other keys in parallel, and survives a failure", async () => {
    const s = new KeyedSerializer();
    const events: string[] = [];
    const task = (name: string, ms: number, fail = false) => async () => {
      events.push(`start ${name}`);
      await new Promise((r) => setTimeout(r, ms));
      events.push(`end ${name}`);
      if (fail) throw new Error(name);
      return name;
    };
    const results = await Promise.allSettled([
      s.run("a", task("a1", 20, true)),
      s.run("a", task("a2", 1)),
      s.run("b", task("b1", 5)),
    ]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "fulfilled", "fulfilled"]);
    // a2 waited for a1; b1 did not wait for either.
    expect(events.indexOf("start a2")).toBeGreaterThan(events.indexOf("end a1"));
    expect(events.indexOf("end b1")).toBeLessThan(events.indexOf("end a1"));
    await new Promise((r) => setTimeout(r, 0));
    expect(s.activeKeys).toEqual([]);
  });
});

describe("zepClientFromEnv", () => {
  it("needs ZEP_API_KEY and a base URL ending in /api/v2", () => {
    expect(() => zepClientFromEnv(testEnv())).toThrow(/ZEP_API_KEY/);
    expect(() => zepClientFromEnv(testEnv({ ZEP_API_KEY: "k", ZEP_BASE_URL: "http://localhost:4011" }))).toThrow(/api\/v2/);
    expect(zepClientFromEnv(testEnv({ ZEP_API_KEY: "k", ZEP_BASE_URL: `${sandbox.url}/` }))).toBeInstanceOf(ZepClient);
  });
});

describe("ensureGraph", () => {
  it("creates a graph once per process and treats 'already exists' as success", async () => {
    const id = graphIdFor(`org-${Date.now()}`, "ensure");
    await Promise.all([ensureGraph(id, { client }), ensureGraph(id, { client })]);
    expect(sandbox.requests(id).filter((r) => r.path.endsWith("/graph/create"))).toHaveLength(1);
    // Another process (another client) finds it already there: still success.
    const other = newZepClient({ apiKey: API_KEY, baseUrl: sandbox.url });
    await expect(ensureGraph(id, { client: other })).resolves.toBeUndefined();
    expect(sandbox.graphs().filter((g) => g.graph_id === id)).toHaveLength(1);
  });

  it("does not cache a failure", async () => {
    const id = graphIdFor(`org-${Date.now()}`, "ensure-fail");
    sandbox.setFault({ status: 503, times: 10 });
    await expect(ensureGraph(id, { client, retry: { maxAttempts: 1 } })).rejects.toBeInstanceOf(ZepCallError);
    sandbox.setFault(null);
    await ensureGraph(id, { client });
    expect(sandbox.graphs().some((g) => g.graph_id === id)).toBe(true);
  });
});

describe("writeEpisode", () => {
  it("writes with the source's timestamp, description and metadata", async () => {
    const id = await freshGraph();
    const ep = await writeEpisode(
      id,
      { data: "hello", createdAt: "2025-01-02T03:04:05.000Z", sourceDescription: "GitHub", metadata: { recordId: "1" } },
      { client },
    );
    expect(ep.processed).toBe(false);
    expect(sandbox.episodes(id)).toMatchObject([{ content: "hello", created_at: "2025-01-02T03:04:05.000Z", metadata: { recordId: "1" } }]);
  });

  it("honours Retry-After on 429 and reports RATE_LIMIT entries", async () => {
    const id = await freshGraph();
    const { sleeps, errors, opts } = recorded();
    sandbox.setFault({ status: 429, retryAfterSeconds: 3, times: 2 });
    await writeEpisode(id, { data: "after the storm" }, opts);
    expect(sleeps).toEqual([3000, 3000]);
    expect(errors).toEqual([
      { message: expect.stringMatching(/rate limit/i), code: "RATE_LIMIT", timestamp: expect.any(String), retryAfter: 3 },
      { message: expect.stringMatching(/rate limit/i), code: "RATE_LIMIT", timestamp: expect.any(String), retryAfter: 3 },
    ]);
    expect(sandbox.episodes(id)).toHaveLength(1);
  });

  it("backs off exponentially on 5xx and reports ZEP_UNAVAILABLE", async () => {
    const id = await freshGraph();
    const { sleeps, errors, opts } = recorded();
    sandbox.setFault({ status: 503, times: 3 });
    await writeEpisode(id, { data: "eventually" }, opts);
    expect(errors.map((e) => e.code)).toEqual(["ZEP_UNAVAILABLE", "ZEP_UNAVAILABLE", "ZEP_UNAVAILABLE"]);
    expect(errors[0]).not.toHaveProperty("retryAfter");
    expect(sleeps).toHaveLength(3);
    sleeps.forEach((ms, i) => {
      expect(ms).toBeGreaterThanOrEqual(10 * 2 ** i * 0.8);
      expect(ms).toBeLessThanOrEqual(10 * 2 ** i * 1.2);
    });
  });

  it("retries a timeout and reports TIMEOUT", async () => {
    const id = await freshGraph();
    const { errors, opts } = recorded({ timeoutSeconds: 0.1 });
    sandbox.setFault({ delayMs: 400, times: 1 });
    await writeEpisode(id, { data: "slow" }, opts);
    expect(errors.map((e) => e.code)).toEqual(["TIMEOUT"]);
  });

  it("after a timeout, does not send again an episode (by metadata.episodeKey) that did land", async () => {
    const id = await freshGraph();
    const errors: ZepErrorEntry[] = [];
    // The server still stores the request it answers late; the wait before the retry outlasts that delay.
    sandbox.setFault({ delayMs: 300, times: 1 });
    const ep = await writeEpisode(id, { data: "once", metadata: { episodeKey: "k-1" } }, {
      client,
      onError: (e) => errors.push(e),
      retry: { timeoutSeconds: 0.1, baseDelayMs: 500 },
    });
    expect(errors.map((e) => e.code)).toEqual(["TIMEOUT"]);
    expect(sandbox.episodes(id).map((e) => e.content)).toEqual(["once"]);
    expect(ep.uuid).toBe(sandbox.episodes(id)[0].uuid);
  });

  it("gives up after maxAttempts with every error entry", async () => {
    const id = await freshGraph();
    const { opts } = recorded({ maxAttempts: 3 });
    sandbox.setFault({ status: 500, times: 100 });
    const err = await writeEpisode(id, { data: "never" }, opts).catch((e) => e);
    expect(err).toBeInstanceOf(ZepCallError);
    expect(err.code).toBe("ZEP_UNAVAILABLE");
    expect(err.errors).toHaveLength(3);
    expect(err.statusCode).toBe(500);
  });

  it("gives up at once on a Retry-After beyond the cap, and on errors a retry cannot fix", async () => {
    const id = await freshGraph();
    const { sleeps, opts } = recorded({ maxRetryAfterMs: 60_000 });
    sandbox.setFault({ status: 429, retryAfterSeconds: 600, times: 1 });
    const limited = await writeEpisode(id, { data: "x" }, opts).catch((e) => e);
    expect(limited).toMatchObject({ code: "RATE_LIMIT", errors: [{ retryAfter: 600 }] });
    expect(sleeps).toEqual([]);

    const missing = await writeEpisode("no-such-graph", { data: "x" }, opts).catch((e) => e);
    expect(missing).toMatchObject({ code: "ZEP_NOT_FOUND", statusCode: 404 });
    expect(missing.errors).toHaveLength(1);
    await expect(writeEpisode(id, { data: "x".repeat(10_001) }, opts)).rejects.toThrow(RangeError);
  });

  it("does not queue writes per graph: what must stay in order, the caller keeps in order (lib/ingest)", async () => {
    const slow = await startZepSandbox({ apiKey: API_KEY, latencyMs: 15 });
    try {
      const c = newZepClient({ apiKey: API_KEY, baseUrl: slow.url });
      const a = graphIdFor("org-a", `p${Date.now()}`);
      await ensureGraph(a, { client: c });
      await Promise.all(Array.from({ length: 6 }, (_, i) => writeEpisode(a, { data: `a${i}` }, { client: c })));
      expect(slow.episodes(a).map((e) => e.content).sort()).toEqual(["a0", "a1", "a2", "a3", "a4", "a5"]);
      expect(slow.maxInFlight(a)).toBeGreaterThan(1);
    } finally {
      await slow.stop();
    }
  });
});

describe("searchGraph", () => {
  it("returns normalized facts and episodes", async () => {
    const id = await freshGraph();
    await writeEpisode(id, { data: "PROJ-7 Checkout crashes on empty cart. Assigned to Ada.", sourceDescription: "Jira", metadata: { recordId: "7" } }, { client });
    await writeEpisode(id, { data: "Standup notes about hiring." }, { client });
    await new Promise((r) => setTimeout(r, 20));
    const res = await searchGraph(id, "checkout crashes", 5, { client });
    expect(res.episodes).toEqual([
      expect.objectContaining({ content: expect.stringContaining("Checkout"), sourceDescription: "Jira", metadata: { recordId: "7" } }),
    ]);
    expect(res.facts).toEqual([expect.objectContaining({ fact: "PROJ-7 Checkout crashes on empty cart.", episodeUuids: [res.episodes[0].uuid] })]);
    expect(await searchGraph(id, "   ", 5, { client })).toEqual({ facts: [], episodes: [] });
    // Limits outside Zep's 1..50 are clamped rather than sent.
    await expect(searchGraph(id, "checkout", 500, { client })).resolves.toBeTruthy();
  });
});
