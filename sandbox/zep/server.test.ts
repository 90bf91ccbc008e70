// The sandbox must answer what the real @getzep/zep-cloud SDK sends, so these tests drive it with the SDK.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ZepClient, ZepError, Zep } from "@getzep/zep-cloud";
import { startZepSandbox, type ZepSandbox } from "./index";

const API_KEY = "test-key";
const noRetry = { maxRetries: 0 };
let sandbox: ZepSandbox;
let zep: ZepClient;

beforeAll(async () => {
  sandbox = await startZepSandbox({ port: 0, apiKey: API_KEY, processingMs: 10 });
  zep = new ZepClient({ apiKey: API_KEY, baseUrl: sandbox.url });
});
afterAll(() => sandbox.stop());
afterEach(() => sandbox.setFault(null));

const uniqueId = (p: string) => `${p}-${Math.random().toString(36).slice(2, 10)}`;

async function caught(p: Promise<unknown>): Promise<ZepError> {
  try {
    await p;
  } catch (err) {
    return err as ZepError;
  }
  throw new Error("expected the call to fail");
}

describe("Zep sandbox, driven by @getzep/zep-cloud", () => {
  it("creates, gets, updates, lists and deletes a graph; a duplicate create is a 400", async () => {
    const id = uniqueId("g");
    const created = await zep.graph.create({ graphId: id, name: "Acme / Atlas" }, noRetry);
    expect(created).toMatchObject({ graphId: id, name: "Acme / Atlas" });
    expect(created.uuid).toBeTruthy();
    expect(await zep.graph.get(id, noRetry)).toMatchObject({ graphId: id });
    expect(await zep.graph.update(id, { description: "d" }, noRetry)).toMatchObject({ description: "d" });
    const list = await zep.graph.listAll({ pageNumber: 1, pageSize: 1000 }, noRetry);
    expect(list.graphs?.map((g) => g.graphId)).toContain(id);

    const dup = await caught(zep.graph.create({ graphId: id }, noRetry));
    expect(dup).toBeInstanceOf(Zep.BadRequestError);
    expect((dup.body as { message: string }).message).toMatch(/already exists/);

    await zep.graph.delete(id, noRetry);
    expect(await caught(zep.graph.get(id, noRetry))).toBeInstanceOf(Zep.NotFoundError);
  });

  it("rejects graph ids outside [A-Za-z0-9_-]", async () => {
    const err = await caught(zep.graph.create({ graphId: "org/project one" }, noRetry));
    expect(err).toBeInstanceOf(Zep.BadRequestError);
    expect(sandbox.graphs().some((g) => g.graph_id === "org/project one")).toBe(false);
  });

  it("adds an episode (202, processed:false, later true) and lists and deletes it", async () => {
    const id = uniqueId("g");
    await zep.graph.create({ graphId: id }, noRetry);
    const { data: episode, rawResponse } = await zep.graph
      .add(
        {
          graphId: id,
          type: "text",
          data: "Issue #12 in acme/atlas: login fails on Safari",
          createdAt: "2025-08-06T10:00:00.000Z",
          sourceDescription: "GitHub issue via connection c1",
          metadata: { provider: "github", recordId: "12" },
        },
        noRetry,
      )
      .withRawResponse();
    expect(rawResponse.status).toBe(202);
    expect(episode).toMatchObject({ processed: false, createdAt: "2025-08-06T10:00:00.000Z", sourceDescription: "GitHub issue via connection c1" });
    expect(episode.metadata).toEqual({ provider: "github", recordId: "12" });

    await new Promise((r) => setTimeout(r, 30));
    expect(await zep.graph.episode.get(episode.uuid, noRetry)).toMatchObject({ processed: true });
    expect(await zep.task.get(episode.taskId!, noRetry)).toMatchObject({ status: "succeeded" });
    const { episodes } = await zep.graph.episode.getByGraphId(id, { lastn: 5 }, noRetry);
    expect(episodes?.map((e) => e.uuid)).toEqual([episode.uuid]);

    await zep.graph.episode.delete(episode.uuid, noRetry);
    expect((await caught(zep.graph.episode.get(episode.uuid, noRetry))).statusCode).toBe(404);
    expect(sandbox.episodes(id)).toEqual([]);
  });

  it("enforces the 10,000-character limit, the type enum and graph_id xor user_id", async () => {
    const id = uniqueId("g");
    await zep.graph.create({ graphId: id }, noRetry);
    await zep.graph.add({ graphId: id, type: "text", data: "x".repeat(10_000) }, noRetry);
    const tooLong = await caught(zep.graph.add({ graphId: id, type: "text", data: "x".repeat(10_001) }, noRetry));
    expect(tooLong).toBeInstanceOf(Zep.BadRequestError);
    expect((tooLong.body as { message: string }).message).toMatch(/10000 characters/);

    // The SDK checks its own enum before sending, so raw HTTP proves the server side.
    const raw = (body: object) =>
      fetch(`${sandbox.url}/graph`, {
        method: "POST",
        headers: { Authorization: `Api-Key ${API_KEY}`, "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
    expect((await raw({ graph_id: id, type: "video", data: "x" })).status).toBe(400);
    expect((await raw({ type: "text", data: "x" })).status).toBe(400);
    expect((await raw({ graph_id: id, user_id: "u", type: "text", data: "x" })).status).toBe(400);
    expect(await (await raw({ type: "text", data: "x" })).json()).toEqual({ message: expect.any(String) });
    expect(sandbox.episodes(id)).toHaveLength(1);
  });

  it("answers 404 for unknown graphs and episodes", async () => {
    expect(await caught(zep.graph.get("nope", noRetry))).toBeInstanceOf(Zep.NotFoundError);
    // graph.add declares no 404, so the SDK gives a plain ZepError carrying the status.
    const add = await caught(zep.graph.add({ graphId: "nope", type: "text", data: "x" }, noRetry));
    expect(add).toBeInstanceOf(ZepError);
    expect(add.statusCode).toBe(404);
    // episode.get declares only 400/500: its 404 is a plain ZepError too.
    expect((await caught(zep.graph.episode.get("00000000-0000-4000-8000-000000000000", noRetry))).statusCode).toBe(404);
    expect((await caught(zep.graph.episode.getByGraphId("nope", {}, noRetry))).statusCode).toBe(404);
  });

  it("answers 401 with a JSON message to a wrong or missing key", async () => {
    const wrong = new ZepClient({ apiKey: "wrong", baseUrl: sandbox.url });
    const err = await caught(wrong.graph.listAll({}, noRetry));
    expect(err.statusCode).toBe(401);
    expect(err.body).toEqual({ message: expect.any(String) });
    expect((await fetch(`${sandbox.url}/graph/list-all`)).status).toBe(401);
  });

  it("answers 429 with Retry-After and X-RateLimit-* while the fault is on, then recovers", async () => {
    sandbox.setFault({ status: 429, retryAfterSeconds: 7, times: 2 });
    for (let i = 0; i < 2; i++) {
      const err = await caught(zep.graph.listAll({}, noRetry));
      expect(err.statusCode).toBe(429);
      expect(err.rawResponse?.headers.get("retry-after")).toBe("7");
      expect(err.rawResponse?.headers.get("x-ratelimit-remaining")).toBe("0");
      expect(Number(err.rawResponse?.headers.get("x-ratelimit-reset"))).toBeGreaterThan(Date.now() / 1000);
    }
    await expect(zep.graph.listAll({}, noRetry)).resolves.toBeTruthy();
  });

  it("answers 500/503 and delays on demand, also switched over HTTP at /_sandbox/faults", async () => {
    const base = sandbox.url.replace(/\/api\/v2$/, "");
    await fetch(`${base}/_sandbox/faults`, { method: "POST", body: JSON.stringify({ status: 503, times: 1 }) });
    expect((await caught(zep.graph.listAll({}, noRetry))).statusCode).toBe(503);
    sandbox.setFault({ status: 500, times: 1 });
    expect(await caught(zep.graph.listAll({}, noRetry))).toBeInstanceOf(Zep.InternalServerError);

    sandbox.setFault({ delayMs: 1500, times: 1 });
    const timeout = await caught(zep.graph.listAll({}, { maxRetries: 0, timeoutInSeconds: 0.2 }));
    expect(timeout.statusCode).toBeUndefined();
    expect(timeout.message).toMatch(/timeout/i);
    const bad = await fetch(`${base}/_sandbox/faults`, { method: "POST", body: JSON.stringify({ status: 418, times: 1 }) });
    expect(bad.status).toBe(400);
    await fetch(`${base}/_sandbox/faults`, { method: "DELETE" });
    expect(await (await fetch(`${base}/_sandbox/faults`)).json()).toEqual({ fault: null });
  });

  it("search finds added text as episodes, and as edges/nodes once processed", async () => {
    const id = uniqueId("g");
    await zep.graph.create({ graphId: id }, noRetry);
    await zep.graph.add({ graphId: id, type: "text", data: "Deploy pipeline is blocked by the flaky Safari login test.", metadata: { recordId: "a" } }, noRetry);
    await zep.graph.add({ graphId: id, type: "text", data: "Quarterly roadmap review with the design team." }, noRetry);

    const eps = await zep.graph.search({ graphId: id, query: "safari login", scope: "episodes" }, noRetry);
    expect(eps.episodes).toHaveLength(1);
    expect(eps.episodes![0]).toMatchObject({ content: expect.stringContaining("Safari"), metadata: { recordId: "a" }, createdAt: expect.any(String) });

    await new Promise((r) => setTimeout(r, 30));
    const edges = await zep.graph.search({ graphId: id, query: "safari login" }, noRetry);
    expect(edges.edges).toHaveLength(1);
    expect(edges.edges![0].fact).toMatch(/Safari login/);
    expect(edges.edges![0].episodes).toEqual([eps.episodes![0].uuid]);
    const nodes = await zep.graph.search({ graphId: id, query: "roadmap", scope: "nodes", limit: 5 }, noRetry);
    expect(nodes.nodes).toHaveLength(1);

    expect((await zep.graph.search({ graphId: id, query: "kubernetes" }, noRetry)).edges).toEqual([]);
    expect(await caught(zep.graph.search({ graphId: id, query: "x", limit: 51 }, noRetry))).toBeInstanceOf(Zep.BadRequestError);
  });

  it("adds a batch and records each graph's requests in order", async () => {
    const id = uniqueId("g");
    await zep.graph.create({ graphId: id }, noRetry);
    const batch = await zep.graph.addBatch(
      { graphId: id, episodes: [{ type: "text", data: "one" }, { type: "json", data: '{"n":2}' }] },
      noRetry,
    );
    expect(batch.map((e) => e.content)).toEqual(["one", '{"n":2}']);
    expect(new Set(batch.map((e) => e.taskId)).size).toBe(1);
    const log = sandbox.requests(id);
    expect(log.map((r) => `${r.method} ${r.path}`)).toEqual(["POST /api/v2/graph/create", "POST /api/v2/graph-batch"]);
    expect(log.map((r) => r.seq)).toEqual([...log.map((r) => r.seq)].sort((a, b) => a - b));
    expect(sandbox.maxInFlight(id)).toBe(1);
  });

  it("goes away (connections refused) and comes back on the same port with its graphs and episodes", async () => {
    const id = uniqueId("g");
    await zep.graph.create({ graphId: id }, noRetry);
    const added = await zep.graph.add({ graphId: id, type: "text", data: "kept across the outage" }, noRetry);
    await sandbox.suspend();
    try {
      const refused = await caught(zep.graph.get(id, noRetry));
      expect(refused.statusCode).toBeUndefined();
    } finally {
      await sandbox.resume();
    }
    expect(await zep.graph.episode.get(added.uuid!, noRetry)).toMatchObject({ content: "kept across the outage" });
    expect(sandbox.episodes(id).map((e) => e.uuid)).toEqual([added.uuid]);
  });
});

// What real Zep does that a naive fake would not (one test per behaviour), through the real SDK.
describe("Zep sandbox behaves as Zep does", () => {
  const issue = (n: number, assignee: string, status = "open") =>
    `GitHub issue #${n} in acme/atlas: "Login fails on Safari"\nState: ${status}\nAuthor: octocat\nAssignees: ${assignee}\nLabels: bug, auth\nURL: https://github.com/acme/atlas/issues/${n}\n\nThe login button does nothing.`;
  const graph = async () => {
    const id = uniqueId("z");
    await zep.graph.create({ graphId: id }, noRetry);
    return id;
  };

  it("processes asynchronously: graph.add answers processed:false, facts appear only later", async () => {
    // A slow processor of its own, so "not yet" holds however loaded the machine is.
    const slow = await startZepSandbox({ apiKey: API_KEY, processingMs: 1_000 });
    try {
      const c = new ZepClient({ apiKey: API_KEY, baseUrl: slow.url });
      const id = uniqueId("z");
      await c.graph.create({ graphId: id }, noRetry);
      const ep = await c.graph.add({ graphId: id, type: "text", data: issue(12, "ben") }, noRetry);
      expect(ep.processed).toBe(false);
      expect((await c.graph.search({ graphId: id, query: "assigned ben", scope: "edges" }, noRetry)).edges).toEqual([]);
      await slow.settled();
      expect((await c.graph.episode.get(ep.uuid, noRetry)).processed).toBe(true);
      expect((await c.graph.search({ graphId: id, query: "assigned ben", scope: "edges" }, noRetry)).edges).toHaveLength(1);
    } finally {
      await slow.stop();
    }
  });

  it("derives facts from several fields of an episode, not copies of it, each naming its source episodes", async () => {
    const id = await graph();
    const ep = await zep.graph.add({ graphId: id, type: "text", data: issue(12, "ben, ada") }, noRetry);
    await sandbox.settled();
    const facts = sandbox.edges(id).map((e) => e.fact);
    expect(facts).toEqual(
      expect.arrayContaining([
        'GitHub issue #12 in acme/atlas is about "Login fails on Safari"',
        "GitHub issue #12 in acme/atlas has status open",
        "GitHub issue #12 in acme/atlas was opened by octocat",
        "GitHub issue #12 in acme/atlas is assigned to ben",
        "GitHub issue #12 in acme/atlas is assigned to ada",
        "GitHub issue #12 in acme/atlas is labelled bug",
      ]),
    );
    expect(facts.some((f) => f.includes("github.com"))).toBe(false);
    const { edges } = await zep.graph.search({ graphId: id, query: "assigned to ben", scope: "edges" }, noRetry);
    expect(edges![0]).toMatchObject({ fact: "GitHub issue #12 in acme/atlas is assigned to ben", name: "ASSIGNED_TO", episodes: [ep.uuid] });
  });

  it("searches edges and episodes independently: a fact's source episode need not be among the episode hits", async () => {
    const id = await graph();
    const ep = await zep.graph.add({ graphId: id, type: "text", data: issue(7, "ben") }, noRetry);
    await sandbox.settled();
    // "assigned" is in the fact, not in the episode's text ("Assignees: ben").
    const [edges, episodes] = await Promise.all([
      zep.graph.search({ graphId: id, query: "assigned", scope: "edges" }, noRetry),
      zep.graph.search({ graphId: id, query: "assigned", scope: "episodes" }, noRetry),
    ]);
    expect(edges.edges!.map((e) => e.episodes)).toEqual([[ep.uuid]]);
    expect(episodes.episodes).toEqual([]);
  });

  it("scores by reciprocal rank (rrf), per list", async () => {
    const id = await graph();
    for (let n = 1; n <= 3; n++) await zep.graph.add({ graphId: id, type: "text", data: issue(n, `dev${n}`) }, noRetry);
    await sandbox.settled();
    const { edges } = await zep.graph.search({ graphId: id, query: "assigned", scope: "edges", limit: 3 }, noRetry);
    expect(edges!.map((e) => e.score)).toEqual([1 / 61, 1 / 62, 1 / 63]);
    const { episodes } = await zep.graph.search({ graphId: id, query: "safari", scope: "episodes", limit: 2 }, noRetry);
    expect(episodes!.map((e) => e.score)).toEqual([1 / 61, 1 / 62]);
  });

  it("lastn orders by created_at (the valid time sent), not by time of writing: a backfilled record is not among the last", async () => {
    const id = await graph();
    const recent = await zep.graph.add({ graphId: id, type: "text", data: "recent", createdAt: "2026-11-01T00:00:00.000Z" }, noRetry);
    const backfilled = await zep.graph.add({ graphId: id, type: "text", data: "old", createdAt: "2019-01-01T00:00:00.000Z" }, noRetry);
    const { episodes } = await zep.graph.episode.getByGraphId(id, { lastn: 1 }, noRetry);
    expect(episodes!.map((e) => e.uuid)).toEqual([recent.uuid]);
    expect(episodes!.map((e) => e.uuid)).not.toContain(backfilled.uuid);
  });

  it("graph.get answers 404 for a graph that does not exist", async () => {
    const err = await caught(zep.graph.get(uniqueId("absent"), noRetry));
    expect(err).toBeInstanceOf(Zep.NotFoundError);
  });

  it("a newer value of a one-at-a-time fact invalidates the older one", async () => {
    const id = await graph();
    await zep.graph.add({ graphId: id, type: "text", data: issue(5, "ben", "open"), createdAt: "2026-01-01T00:00:00.000Z" }, noRetry);
    await zep.graph.add({ graphId: id, type: "text", data: issue(5, "ben", "closed"), createdAt: "2026-02-01T00:00:00.000Z" }, noRetry);
    await sandbox.settled();
    const status = sandbox.edges(id).filter((e) => e.name === "HAS_STATUS");
    expect(status.map((e) => [e.fact.split(" ").at(-1), e.invalid_at ?? null])).toEqual([
      ["open", "2026-02-01T00:00:00.000Z"],
      ["closed", null],
    ]);
  });

  it("deleting an episode deletes the edges it created and drops it from facts it only restated", async () => {
    const id = await graph();
    const first = await zep.graph.add({ graphId: id, type: "text", data: issue(9, "ben") }, noRetry);
    const second = await zep.graph.add({ graphId: id, type: "text", data: issue(9, "ben") }, noRetry);
    await sandbox.settled();
    expect(sandbox.edges(id).every((e) => e.episodes.join() === `${first.uuid},${second.uuid}`)).toBe(true);
    await zep.graph.episode.delete(first.uuid, noRetry);
    // Graphiti deletes the edges whose first episode it was: here all of them, though the second restated them.
    expect(sandbox.edges(id)).toEqual([]);
    const third = await zep.graph.add({ graphId: id, type: "text", data: issue(10, "ada") }, noRetry);
    await sandbox.settled();
    await zep.graph.episode.delete(second.uuid, noRetry);
    expect(sandbox.edges(id).every((e) => e.episodes.join() === third.uuid)).toBe(true);
    expect((await zep.graph.search({ graphId: id, query: "issue", scope: "edges", limit: 50 }, noRetry)).edges!.length).toBe(sandbox.edges(id).length);
  });
});
