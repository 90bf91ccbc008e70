/**
 * A local stand-in for Zep Cloud's `/api/v2`, speaking what @getzep/zep-cloud 3.30.0 sends and expects
 * (Zep's API reference and Graphiti's behaviour). In-memory, one process, for tests and offline runs. It is one
 * file because its endpoints share one in-memory store; facts are derived in facts.ts.
 *
 * Behaves as Zep does where Atlas could be fooled (Zep is built on Graphiti):
 * - processing is asynchronous and serial per graph: graph.add answers processed:false; facts appear later,
 *   episode after episode, in the order they were added;
 * - facts (edges) are derived from several fields of an episode (facts.ts), name their source episodes, and
 *   are deduplicated across episodes (a fact stated again gains the new episode's uuid);
 * - edge and episode searches run independently, each ranked on its own; `score` is a reciprocal rank
 *   (rrf, 1/(60 + rank)), not a relevance to compare across lists;
 * - `lastn` orders by created_at, the valid time the writer sent, not by time of writing;
 * - deleting an episode deletes the edges it created (their first episode) and drops it from the others.
 *
 * Beyond Zep's protocol it has a fault switch (429 / 5xx / delay, for retry paths), reachable from code
 * (`setFault`) and over HTTP (`/_sandbox/faults`), and a per-graph request log so tests can check that
 * writes to one graph never overlapped.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createHash, randomUUID } from "node:crypto";
import { deriveFacts } from "./facts";

export type ZepSandboxFault =
  | { status: 429; retryAfterSeconds: number; times: number }
  | { status: 500 | 503; times: number }
  | { delayMs: number; times: number };

export type SandboxEpisode = {
  uuid: string;
  graph_id: string;
  content: string;
  source: string;
  source_description?: string;
  metadata?: Record<string, unknown>;
  created_at: string;
  processed: boolean;
  task_id: string;
};

export type SandboxEdge = {
  uuid: string;
  name: string;
  fact: string;
  source_node_name: string;
  target_node_name: string;
  source_node_uuid: string;
  target_node_uuid: string;
  /** Source episodes, the one that first stated the fact first. */
  episodes: string[];
  created_at: string;
  valid_at: string;
  invalid_at?: string;
  singleValued: boolean;
};

export type SandboxGraph = {
  uuid: string;
  graph_id: string;
  name?: string;
  description?: string;
  created_at: string;
  updated_at: string;
};

export type SandboxRequest = {
  seq: number;
  method: string;
  path: string;
  status: number;
  startedAt: number;
  endedAt: number;
  /** How many requests to the same graph were in flight when this one started (itself included). */
  inFlight: number;
};

export type ZepSandbox = {
  /** Base URL for `new ZepClient({ baseUrl })`, ending in /api/v2. */
  url: string;
  stop(): Promise<void>;
  /**
   * Zep goes away: the port stops listening (connections refused) and open connections are cut, requests in
   * flight included (one may still be applied, its answer lost). Graphs and episodes are kept.
   */
  suspend(): Promise<void>;
  /** Zep is back, on the same port, with everything it held. */
  resume(): Promise<void>;
  setFault(fault: ZepSandboxFault | null): void;
  /** Episodes whose text contains this are refused with 400 until cleared (a record Zep will not take). */
  setPoison(text: string | null): void;
  /** Stored episodes of a graph, in the order they were added. */
  episodes(graphId: string): SandboxEpisode[];
  /** Facts derived so far from a graph's processed episodes. */
  edges(graphId: string): SandboxEdge[];
  /** Resolves once every episode added so far is processed. */
  settled(): Promise<void>;
  graphs(): SandboxGraph[];
  /** Requests that named a graph (path or body), in arrival order. */
  requests(graphId: string): SandboxRequest[];
  /** Most requests to one graph ever in flight at once; 1 means they were serialized. */
  maxInFlight(graphId: string): number;
};

export type ZepSandboxOptions = {
  port?: number;
  apiKey: string;
  /** Delay before an added episode flips to processed:true (Zep ingests asynchronously). Default 20 ms. */
  processingMs?: number;
  /** Latency added to every /api/v2 request; useful to make overlapping requests observable. */
  latencyMs?: number;
};

const MAX_EPISODE_CHARS = 10_000;
const MAX_METADATA_KEYS = 10;
const MAX_SEARCH_LIMIT = 50;
const MAX_BATCH_EPISODES = 20;
const GRAPH_ID = /^[A-Za-z0-9_-]{1,128}$/;
const DATA_TYPES = new Set(["text", "json", "message", "fact_triple"]);
const SCOPES = new Set(["edges", "nodes", "episodes"]);

const NOT_JSON = Symbol("not JSON");

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

type Json = Record<string, unknown>;
type Reply = { status: number; body: unknown; headers?: Record<string, string> };

export async function startZepSandbox(opts: ZepSandboxOptions): Promise<ZepSandbox> {
  const processingMs = opts.processingMs ?? 20;
  const graphs = new Map<string, SandboxGraph>();
  const episodes = new Map<string, SandboxEpisode[]>(); // graph_id -> episodes, in the order added
  const edges = new Map<string, SandboxEdge[]>(); // graph_id -> facts
  // graph_id -> valid edge by fact text, and by relation + subject for one-at-a-time facts (O(1) per fact).
  const byFact = new Map<string, Map<string, SandboxEdge>>();
  const bySlot = new Map<string, Map<string, SandboxEdge>>();
  const slotOf = (e: { name: string; source_node_name: string }) => `${e.name}\u0000${e.source_node_name}`;
  function index(graphId: string) {
    const facts = new Map<string, SandboxEdge>();
    const slots = new Map<string, SandboxEdge>();
    for (const e of edges.get(graphId) ?? []) {
      if (e.invalid_at) continue;
      facts.set(e.fact, e);
      if (e.singleValued) slots.set(slotOf(e), e);
    }
    byFact.set(graphId, facts);
    bySlot.set(graphId, slots);
  }
  const backlog = new Map<string, Array<{ episode: SandboxEpisode; due: number }>>(); // graph_id -> unprocessed, in order
  const draining = new Set<string>();
  const episodeByUuid = new Map<string, SandboxEpisode>();
  const tasks = new Map<string, { created_at: string; episodeUuids: string[] }>();
  const log = new Map<string, SandboxRequest[]>();
  const inFlight = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  let fault: ZepSandboxFault | null = null;
  let poison: string | null = null;
  let seq = 0;

  const now = () => new Date().toISOString();
  // A node's id, hashed once per name this sandbox has seen (a few per record): hashing each fact's two nodes
  // again was most of the sandbox's CPU per episode. Kept with the sandbox, gone with it.
  const nodeUuids = new Map<string, string>();
  const nodeUuid = (graphId: string, name: string) => {
    const seed = `${graphId}:node:${name}`;
    let uuid = nodeUuids.get(seed);
    if (uuid === undefined) nodeUuids.set(seed, (uuid = stableUuid(seed)));
    return uuid;
  };

  function requireGraph(graphId: string): SandboxGraph {
    if (!GRAPH_ID.test(graphId)) throw new HttpError(400, `invalid graph_id "${graphId}": use A-Z a-z 0-9 _ -`);
    const graph = graphs.get(graphId);
    if (!graph) throw new HttpError(404, `graph not found: ${graphId}`);
    return graph;
  }

  function storeEpisode(graphId: string, input: Json): SandboxEpisode {
    const episode: SandboxEpisode = {
      uuid: randomUUID(),
      graph_id: graphId,
      content: input.data as string,
      source: input.type as string,
      source_description: input.source_description as string | undefined,
      metadata: input.metadata as Record<string, unknown> | undefined,
      created_at: (input.created_at as string | undefined) ?? now(),
      processed: false,
      task_id: "",
    };
    episodes.get(graphId)!.push(episode);
    episodeByUuid.set(episode.uuid, episode);
    return episode;
  }

  // Zep ingests in the background, one episode after another per graph: episodes come back processed:false
  // and flip (with their facts derived) at least processingMs later, in the order they were added.
  function scheduleProcessing(taskId: string, batch: SandboxEpisode[]) {
    tasks.set(taskId, { created_at: now(), episodeUuids: batch.map((e) => e.uuid) });
    for (const e of batch) {
      e.task_id = taskId;
      if (!backlog.has(e.graph_id)) backlog.set(e.graph_id, []);
      backlog.get(e.graph_id)!.push({ episode: e, due: Date.now() + processingMs });
      drain(e.graph_id);
    }
  }

  function drain(graphId: string) {
    if (draining.has(graphId)) return;
    const queue = backlog.get(graphId);
    if (!queue?.length) return;
    draining.add(graphId);
    const timer = setTimeout(() => {
      timers.delete(timer);
      draining.delete(graphId);
      // Everything due is processed in order; what came later waits for the next turn.
      while (queue.length && queue[0]!.due <= Date.now()) processEpisode(queue.shift()!.episode);
      if (queue.length) drain(graphId);
      else backlog.delete(graphId);
    }, Math.max(0, queue[0]!.due - Date.now()));
    timer.unref();
    timers.add(timer);
  }

  function processEpisode(e: SandboxEpisode) {
    if (!episodeByUuid.has(e.uuid)) return; // deleted before it was processed
    e.processed = true;
    const list = edges.get(e.graph_id);
    if (!list) return;
    if (!byFact.has(e.graph_id)) index(e.graph_id);
    const facts = byFact.get(e.graph_id)!;
    const slots = bySlot.get(e.graph_id)!;
    for (const f of deriveFacts(e.content)) {
      const same = facts.get(f.fact);
      if (same) {
        if (!same.episodes.includes(e.uuid)) same.episodes.push(e.uuid);
        continue;
      }
      // A new value of a one-at-a-time relation ends the validity of the earlier one (temporal graph).
      const slot = `${f.name}\u0000${f.subject}`;
      const old = f.singleValued ? slots.get(slot) : undefined;
      if (old && old.valid_at <= e.created_at) {
        old.invalid_at = e.created_at;
        facts.delete(old.fact);
      }
      const edge: SandboxEdge = {
        uuid: randomUUID(),
        name: f.name,
        fact: f.fact,
        source_node_name: f.subject,
        target_node_name: f.object,
        source_node_uuid: nodeUuid(e.graph_id, f.subject),
        target_node_uuid: nodeUuid(e.graph_id, f.object),
        episodes: [e.uuid],
        created_at: now(),
        valid_at: e.created_at,
        singleValued: f.singleValued,
      };
      list.push(edge);
      // A backfilled older value was already superseded when it happened.
      if (old && !old.invalid_at) {
        edge.invalid_at = old.valid_at;
        continue;
      }
      facts.set(edge.fact, edge);
      if (f.singleValued) slots.set(slot, edge);
    }
  }

  function validateEpisodeInput(input: Json): void {
    if (typeof input.data !== "string" || input.data.length === 0) throw new HttpError(400, "data is required");
    if (poison && input.data.includes(poison)) throw new HttpError(400, "episode content could not be processed");
    if (input.data.length > MAX_EPISODE_CHARS)
      throw new HttpError(400, `data exceeds the maximum of ${MAX_EPISODE_CHARS} characters (${input.data.length})`);
    if (typeof input.type !== "string" || !DATA_TYPES.has(input.type))
      throw new HttpError(400, `invalid type "${String(input.type)}": one of text, json, message, fact_triple`);
    if (input.type === "json") {
      try {
        JSON.parse(input.data);
      } catch {
        throw new HttpError(400, "data is not valid JSON for type json");
      }
    }
    if (input.created_at !== undefined && Number.isNaN(Date.parse(String(input.created_at))))
      throw new HttpError(400, "created_at is not a valid RFC 3339 timestamp");
    if (input.metadata !== undefined) {
      const m = input.metadata;
      if (typeof m !== "object" || m === null || Array.isArray(m)) throw new HttpError(400, "metadata must be an object");
      const entries = Object.entries(m);
      if (entries.length > MAX_METADATA_KEYS) throw new HttpError(400, `metadata has more than ${MAX_METADATA_KEYS} keys`);
      const scalar = (v: unknown) => ["string", "number", "boolean"].includes(typeof v);
      for (const [k, v] of entries)
        if (!(scalar(v) || (Array.isArray(v) && v.every(scalar))))
          throw new HttpError(400, `metadata.${k} must be a string, number, boolean or array of scalars`);
    }
  }

  function targetGraph(body: Json): string {
    const hasGraph = body.graph_id !== undefined && body.graph_id !== null && body.graph_id !== "";
    const hasUser = body.user_id !== undefined && body.user_id !== null && body.user_id !== "";
    if (hasGraph === hasUser) throw new HttpError(400, "exactly one of graph_id or user_id is required");
    // The sandbox has no users; a user graph is always unknown.
    if (hasUser) throw new HttpError(404, `user not found: ${String(body.user_id)}`);
    return requireGraph(String(body.graph_id)).graph_id;
  }

  function wireEpisode(e: SandboxEpisode) {
    const { graph_id: _graph, ...wire } = e;
    return wire;
  }

  function search(body: Json): Reply {
    const graphId = targetGraph(body);
    if (typeof body.query !== "string" || body.query.trim() === "") throw new HttpError(400, "query is required");
    const scope = (body.scope as string | undefined) ?? "edges";
    if (!SCOPES.has(scope)) throw new HttpError(400, `unsupported scope "${scope}"`);
    const limit = (body.limit as number | undefined) ?? 10;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_LIMIT)
      throw new HttpError(400, `limit must be between 1 and ${MAX_SEARCH_LIMIT}`);

    // Each scope is searched on its own (Zep: separate hybrid searches), ranked by how many distinct query
    // terms an item contains, newest first on ties; the score is the rank's reciprocal (rrf), not a relevance.
    const terms = [...new Set(body.query.toLowerCase().match(/[\p{L}\p{N}]{2,}/gu) ?? [])];
    const rank = <T>(items: T[], text: (x: T) => string) =>
      items
        .map((x, i) => ({ x, i, n: terms.filter((t) => text(x).toLowerCase().includes(t)).length }))
        .filter((s) => s.n > 0)
        .sort((a, b) => b.n - a.n || b.i - a.i)
        .slice(0, limit)
        .map((s, r) => ({ x: s.x, score: 1 / (60 + r + 1) }));

    if (scope === "episodes") {
      return { status: 200, body: { episodes: rank(episodes.get(graphId)!, (e) => e.content).map(({ x, score }) => ({ ...wireEpisode(x), score })) } };
    }
    const facts = edges.get(graphId)!;
    if (scope === "nodes") {
      const nodes = new Map<string, { name: string; summary: string; created_at: string; episodes: string[] }>();
      for (const f of facts) {
        const node = nodes.get(f.source_node_name) ?? { name: f.source_node_name, summary: "", created_at: f.created_at, episodes: [] };
        node.summary = node.summary ? `${node.summary} ${f.fact}.` : `${f.fact}.`;
        node.episodes.push(...f.episodes.filter((u) => !node.episodes.includes(u)));
        nodes.set(f.source_node_name, node);
      }
      return {
        status: 200,
        body: {
          nodes: rank([...nodes.values()], (n) => `${n.name} ${n.summary}`).map(({ x, score }) => ({
            uuid: nodeUuid(graphId, x.name),
            name: x.name,
            summary: x.summary.slice(0, 1000),
            labels: ["Entity"],
            created_at: x.created_at,
            episodes: x.episodes,
            score,
          })),
        },
      };
    }
    return {
      status: 200,
      body: {
        edges: rank(facts, (f) => f.fact).map(({ x, score }) => {
          const { singleValued: _s, ...wire } = x;
          return { ...wire, score };
        }),
      },
    };
  }

  async function route(method: string, path: string, query: URLSearchParams, body: Json): Promise<Reply> {
    const seg = path.split("/").filter(Boolean).map(safeDecode);

    if (method === "POST" && path === "/graph/create") {
      const graphId = String(body.graph_id ?? "");
      if (!GRAPH_ID.test(graphId)) throw new HttpError(400, `invalid graph_id "${graphId}": use A-Z a-z 0-9 _ -`);
      if (graphs.has(graphId)) throw new HttpError(400, `graph with id ${graphId} already exists`);
      const at = now();
      const graph: SandboxGraph = {
        uuid: randomUUID(),
        graph_id: graphId,
        name: body.name as string | undefined,
        description: body.description as string | undefined,
        created_at: at,
        updated_at: at,
      };
      graphs.set(graphId, graph);
      episodes.set(graphId, []);
      edges.set(graphId, []);
      return { status: 201, body: graph };
    }
    if (method === "GET" && path === "/graph/list-all") {
      const pageNumber = Number(query.get("pageNumber") ?? query.get("page_number") ?? 1);
      const pageSize = Number(query.get("pageSize") ?? query.get("page_size") ?? 10);
      const all = [...graphs.values()];
      return {
        status: 200,
        body: {
          graphs: all.slice((pageNumber - 1) * pageSize, pageNumber * pageSize),
          page_number: pageNumber,
          page_size: pageSize,
          row_count: Math.max(0, Math.min(pageSize, all.length - (pageNumber - 1) * pageSize)),
          total_count: all.length,
        },
      };
    }
    if (method === "POST" && path === "/graph") {
      const graphId = targetGraph(body);
      validateEpisodeInput(body);
      const episode = storeEpisode(graphId, body);
      scheduleProcessing(randomUUID(), [episode]);
      return { status: 202, body: wireEpisode(episode) };
    }
    if (method === "POST" && path === "/graph-batch") {
      const graphId = targetGraph(body);
      const list = body.episodes;
      if (!Array.isArray(list) || list.length === 0) throw new HttpError(400, "episodes is required");
      if (list.length > MAX_BATCH_EPISODES) throw new HttpError(400, `at most ${MAX_BATCH_EPISODES} episodes per batch`);
      list.forEach((e) => validateEpisodeInput(e as Json)); // all or nothing
      const stored = list.map((e) => storeEpisode(graphId, e as Json));
      scheduleProcessing(randomUUID(), stored);
      return { status: 202, body: stored.map(wireEpisode) };
    }
    if (method === "POST" && path === "/graph/search") return search(body);

    if (seg[0] === "graph" && seg[1] === "episodes") {
      if (method === "GET" && seg[2] === "graph" && seg.length === 4) {
        const list = episodes.get(requireGraph(seg[3]).graph_id)!;
        const lastn = query.get("lastn");
        const n = lastn === null ? list.length : Number(lastn);
        if (!Number.isInteger(n) || n < 0) throw new HttpError(400, "lastn must be a non-negative integer");
        // By valid time (the created_at sent), as Graphiti's retrieve_episodes does, not by time of writing.
        const byValidTime = [...list].sort((a, b) => a.created_at.localeCompare(b.created_at));
        return { status: 200, body: { episodes: byValidTime.slice(Math.max(0, byValidTime.length - n)).map(wireEpisode) } };
      }
      if (seg.length === 3 && (method === "GET" || method === "DELETE")) {
        const episode = episodeByUuid.get(seg[2]);
        if (!episode) throw new HttpError(404, `episode not found: ${seg[2]}`);
        if (method === "GET") return { status: 200, body: wireEpisode(episode) };
        episodeByUuid.delete(episode.uuid);
        const list = episodes.get(episode.graph_id);
        if (list) list.splice(list.indexOf(episode), 1);
        // Its edges go (those it created); others that it only restated forget it.
        const facts = edges.get(episode.graph_id);
        if (facts)
          edges.set(
            episode.graph_id,
            facts.filter((f) => f.episodes[0] !== episode.uuid).map((f) => ({ ...f, episodes: f.episodes.filter((u) => u !== episode.uuid) })),
          );
        if (facts) index(episode.graph_id);
        return { status: 200, body: { message: "Episode deleted" } };
      }
    }
    if (seg[0] === "graph" && seg.length === 2) {
      const graph = requireGraph(seg[1]);
      if (method === "GET") return { status: 200, body: graph };
      if (method === "PATCH") {
        if (typeof body.name === "string") graph.name = body.name;
        if (typeof body.description === "string") graph.description = body.description;
        graph.updated_at = now();
        return { status: 200, body: graph };
      }
      if (method === "DELETE") {
        for (const e of episodes.get(graph.graph_id) ?? []) episodeByUuid.delete(e.uuid);
        episodes.delete(graph.graph_id);
        edges.delete(graph.graph_id);
        byFact.delete(graph.graph_id);
        bySlot.delete(graph.graph_id);
        backlog.delete(graph.graph_id);
        graphs.delete(graph.graph_id);
        return { status: 200, body: { message: "Graph deleted" } };
      }
    }
    if (method === "GET" && seg[0] === "tasks" && seg.length === 2) {
      const task = tasks.get(seg[1]);
      if (!task) throw new HttpError(404, `task not found: ${seg[1]}`);
      const done = task.episodeUuids.every((u) => episodeByUuid.get(u)?.processed ?? true);
      return {
        status: 200,
        body: { task_id: seg[1], type: "add_episode", status: done ? "succeeded" : "in_progress", created_at: task.created_at },
      };
    }
    throw new HttpError(404, `no route for ${method} ${path}`);
  }

  /** Which graph a request concerns, for the per-graph log (path id, body graph_id, or episode's graph). */
  function graphOf(path: string, body: Json): string | undefined {
    if (typeof body.graph_id === "string") return body.graph_id;
    const seg = path.split("/").filter(Boolean).map(safeDecode);
    if (seg[0] === "graph" && seg[1] === "episodes" && seg[2] === "graph") return seg[3];
    if (seg[0] === "graph" && seg[1] === "episodes" && seg[2]) return episodeByUuid.get(seg[2])?.graph_id;
    if (seg[0] === "graph" && seg.length === 2 && seg[1] !== "list-all" && seg[1] !== "create") return seg[1];
    return undefined;
  }

  function consumeFault(): ZepSandboxFault | null {
    const f = fault;
    if (!f) return null;
    f.times -= 1;
    if (f.times <= 0) fault = null;
    return f;
  }

  async function handleApi(req: http.IncomingMessage, body: Json | typeof NOT_JSON, url: URL): Promise<Reply> {
    if (req.headers.authorization !== `Api-Key ${opts.apiKey}`) return { status: 401, body: { message: "unauthorized" } };
    const f = consumeFault();
    if (f && "delayMs" in f) await sleep(f.delayMs);
    if (f && "status" in f && f.status === 429) {
      const reset = Math.ceil(Date.now() / 1000) + f.retryAfterSeconds;
      return {
        status: 429,
        body: { message: "Rate limit exceeded" },
        headers: {
          "Retry-After": String(f.retryAfterSeconds),
          "X-RateLimit-Limit": "60",
          "X-RateLimit-Remaining": "0",
          "X-RateLimit-Reset": String(reset),
        },
      };
    }
    if (f && "status" in f) return { status: f.status, body: { message: f.status === 503 ? "service unavailable" : "internal server error" } };
    if (opts.latencyMs) await sleep(opts.latencyMs);

    if (body === NOT_JSON) return { status: 400, body: { message: "request body is not valid JSON" } };
    const path = url.pathname.slice("/api/v2".length) || "/";
    return route(req.method ?? "GET", path, url.searchParams, body);
  }

  function handleFaults(req: http.IncomingMessage, rawBody: string): Reply {
    if (req.method === "GET") return { status: 200, body: { fault } };
    if (req.method === "DELETE") {
      fault = null;
      return { status: 200, body: { fault } };
    }
    if (req.method === "POST" || req.method === "PUT") {
      let parsed: unknown;
      try {
        parsed = rawBody ? JSON.parse(rawBody) : null;
      } catch {
        return { status: 400, body: { message: "body must be JSON: a fault or null" } };
      }
      if (parsed !== null && !isFault(parsed))
        return {
          status: 400,
          body: { message: 'expected null, {status:429,retryAfterSeconds,times}, {status:500|503,times} or {delayMs,times}' },
        };
      fault = parsed ? { ...parsed } : null;
      return { status: 200, body: { fault } };
    }
    return { status: 405, body: { message: "use GET, POST or DELETE" } };
  }

  const server = http.createServer(async (req, res) => {
    const rawBody = await readBody(req).catch(() => null);
    if (rawBody === null) return void res.destroy(); // the client went away mid-body
    const url = new URL(req.url ?? "/", "http://sandbox");

    // Parsed once, for the log and the API (an invalid body is reported by handleApi; a non-object is {}).
    let body: Json | typeof NOT_JSON = {};
    try {
      const parsed: unknown = rawBody ? JSON.parse(rawBody) : {};
      if (typeof parsed === "object" && parsed !== null) body = parsed as Json;
    } catch {
      body = NOT_JSON;
    }
    const isApi = url.pathname.startsWith("/api/v2/");
    const graphId = isApi ? graphOf(url.pathname.slice("/api/v2".length), body === NOT_JSON ? {} : body) : undefined;
    const entry: SandboxRequest = {
      seq: ++seq,
      method: req.method ?? "GET",
      path: url.pathname,
      status: 0,
      startedAt: Date.now(),
      endedAt: 0,
      inFlight: 0,
    };
    if (graphId) {
      inFlight.set(graphId, (inFlight.get(graphId) ?? 0) + 1);
      entry.inFlight = inFlight.get(graphId)!;
      if (!log.has(graphId)) log.set(graphId, []);
      log.get(graphId)!.push(entry);
    }

    let reply: Reply;
    try {
      if (url.pathname === "/_sandbox/faults") reply = handleFaults(req, rawBody);
      else if (isApi) reply = await handleApi(req, body, url);
      else reply = { status: 404, body: { message: `no route for ${req.method} ${url.pathname}` } };
    } catch (err) {
      reply =
        err instanceof HttpError
          ? { status: err.status, body: { message: err.message } }
          : { status: 500, body: { message: err instanceof Error ? err.message : "internal error" } };
    }
    if (graphId) inFlight.set(graphId, inFlight.get(graphId)! - 1);
    entry.status = reply.status;
    entry.endedAt = Date.now();
    res.writeHead(reply.status, { "Content-Type": "application/json", ...reply.headers });
    res.end(JSON.stringify(reply.body));
  });

  const listen = (at: number) =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(at, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
  await listen(opts.port ?? 0);
  const { port } = server.address() as AddressInfo;
  const close = () => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };

  return {
    url: `http://127.0.0.1:${port}/api/v2`,
    async stop() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      if (server.listening) await close();
    },
    suspend: close,
    resume: () => listen(port),
    setFault(f) {
      fault = f ? { ...f } : null;
    },
    setPoison(text) {
      poison = text;
    },
    episodes: (graphId) => (episodes.get(graphId) ?? []).map((e) => ({ ...e })),
    edges: (graphId) => (edges.get(graphId) ?? []).map((e) => ({ ...e, episodes: [...e.episodes] })),
    async settled() {
      while ([...backlog.values()].some((q) => q.length)) await sleep(Math.max(1, processingMs));
    },
    graphs: () => [...graphs.values()].map((g) => ({ ...g })),
    requests: (graphId) => [...(log.get(graphId) ?? [])],
    maxInFlight: (graphId) => Math.max(0, ...(log.get(graphId) ?? []).map((r) => r.inFlight)),
  };
}

function isFault(v: unknown): v is ZepSandboxFault {
  if (typeof v !== "object" || v === null) return false;
  const f = v as Record<string, unknown>;
  const count = (x: unknown) => Number.isInteger(x) && (x as number) > 0;
  if (!count(f.times)) return false;
  if (f.status === 429) return typeof f.retryAfterSeconds === "number" && f.retryAfterSeconds >= 0;
  if (f.status === 500 || f.status === 503) return true;
  return f.status === undefined && typeof f.delayMs === "number" && f.delayMs >= 0;
}

function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function safeDecode(s: string) {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** A UUID-shaped id derived from a string, so the same episode always yields the same node/edge ids. */
function stableUuid(seed: string) {
  const h = createHash("sha256").update(seed).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The request's body (events, not an async iterator: cheaper per request). */
function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
