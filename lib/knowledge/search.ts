// Searching a project's knowledge graph on behalf of a viewer. The project must be visible to the scope
// (lib/projects, rule in lib/data/scope), so a member can only search what their connections feed and no
// one can reach another organization's graph: the graph id is derived from the scope's own organization.
//
// Provenance comes from the ledger, not from the hits: Zep searches facts and episodes independently, so a
// fact's source episodes are usually not among the episode hits. Each hit's episode uuids (a fact's sources,
// an episode's own) are looked up in GraphWrite (one statement), which names the connection and the record.
// Members keep what their own connections produced; admins see the source of every result. Results are
// also grouped by source record, with counts and paging.
import "server-only";
import { z } from "zod";
import { prisma, type Provider } from "@/lib/db/client";
import { connectionsVisibleTo, type Scope } from "@/lib/data/scope";
import { visibleProject, type ProjectSummary } from "@/lib/projects";
import { interactivePolicy } from "@/lib/retry";
import { ensureGraph, searchGraph, type ZepCallOptions } from "@/lib/zep";
import { accountNameOf } from "@/lib/data/connection-metadata";
import { providerNamed } from "@/lib/nango/providers";

export const searchKnowledgeInput = z.object({
  projectKey: z.string().trim().min(1).max(100),
  query: z.string().trim().min(1, "Enter something to search for").max(400, "Search for at most 400 characters"),
  /** Facts and episodes in `results`, each; source records per page in `groups`. */
  limit: z.number().int().min(1).max(50).default(10),
  page: z.number().int().min(1).max(50).default(1),
});
export type SearchKnowledgeInput = z.input<typeof searchKnowledgeInput>;

export type KnowledgeResult = {
  kind: "fact" | "episode";
  /** Zep's uuid of the edge or episode. */
  id: string;
  /** The fact, or the episode's content. */
  text: string;
  /** Zep's score: under the rrf reranker a reciprocal rank within its own list; null when Zep gave none. */
  score: number | null;
  createdAt: string;
  /** Where the knowledge came from, from the ledger. */
  provider: Provider | null;
  /** The Atlas connection that fed it, when the viewer may see that connection. */
  connection: { id: string; accountName: string | null } | null;
  /** Link back to the source record (issue, page, message), when the record had one. */
  url: string | null;
  recordId: string | null;
  /** For facts: when the fact stopped being true (e.g. the record was deleted or changed). */
  invalidAt: string | null;
};

/** The source record of a group of results (a ledger row), or null: the graph holds it, the ledger does not. */
export type KnowledgeSource = {
  provider: Provider | null;
  connection: { id: string; accountName: string | null } | null;
  model: string;
  recordId: string;
  title: string | null;
  url: string | null;
} | null;

export type KnowledgeGroup = { source: KnowledgeSource; facts: KnowledgeResult[]; episodes: KnowledgeResult[] };

export type KnowledgeSearchResult = {
  project: { key: string; name: string };
  /** At most `limit` facts and `limit` episodes, most relevant first. */
  results: KnowledgeResult[];
  /** One page of results grouped by source record, best first. */
  groups: KnowledgeGroup[];
  counts: { facts: number; episodes: number; records: number };
  page: number;
  pageCount: number;
};

type LedgerHit = { id: string; connectionId: string; provider: string; model: string; recordId: string; title: string | null; url: string | null; episodeUuids: string[] };

// Zep answers at most 50 per list: the pool results and groups are drawn from.
const POOL = 50;

export async function searchKnowledge(
  scope: Scope,
  input: SearchKnowledgeInput,
  // visibleProjects: projectsVisibleTo(scope), when the caller has it already (saves reading it again).
  opts: { zep?: ZepCallOptions; visibleProjects?: ProjectSummary[] } = {},
): Promise<KnowledgeSearchResult> {
  const { projectKey, query, limit, page } = searchKnowledgeInput.parse(input);
  // A person is waiting: a Zep outage becomes a message within seconds, not a page that hangs.
  const zep: ZepCallOptions = { ...opts.zep, retry: { ...interactivePolicy, ...opts.zep?.retry } };
  const known = opts.visibleProjects?.find((p) => p.key === projectKey);
  const project = known ?? (await visibleProject(scope, projectKey)); // throws ProjectNotFoundError
  await ensureGraph(project.graphId, zep);
  const found = await searchGraph(project.graphId, query, POOL, zep);

  // fact → episode uuids → ledger rows → connection and record, in one statement each.
  const uuids = [...new Set([...found.facts.flatMap((f) => f.episodeUuids), ...found.episodes.map((e) => e.uuid)])];
  const rows = uuids.length
    ? await prisma.$queryRaw<LedgerHit[]>`
        SELECT "id", "connectionId", "provider", "model", "recordId", "title", "url", "episodeUuids"
        FROM "GraphWrite" WHERE "graphId" = ${project.graphId} AND "episodeUuids" && ${uuids}::text[]`
    : [];
  const rowOf = new Map<string, LedgerHit>();
  for (const r of rows) for (const u of r.episodeUuids) rowOf.set(u, r);
  const connections = rows.length
    ? await prisma.connection.findMany({
        where: { ...connectionsVisibleTo(scope), connectionId: { in: [...new Set(rows.map((r) => r.connectionId))] } },
        select: { id: true, connectionId: true, metadata: true },
      })
    : [];
  const visible = new Map(connections.map((c) => [c.connectionId, { id: c.id, accountName: accountNameOf(c) }]));
  const member = scope.role !== "ADMIN";

  // A fact's source: the first of its episodes the ledger knows, preferring one the viewer may see.
  const sourceOf = (episodeUuids: string[]): LedgerHit | undefined => {
    const known = episodeUuids.map((u) => rowOf.get(u)).filter((r): r is LedgerHit => !!r);
    return known.find((r) => visible.has(r.connectionId)) ?? known[0];
  };
  const provenance = (row: LedgerHit | undefined) => ({
    provider: row ? providerNamed(row.provider) : null,
    connection: row ? (visible.get(row.connectionId) ?? null) : null,
    url: webLink(row?.url ?? null),
    recordId: row?.recordId ?? null,
  });

  type Ranked = KnowledgeResult & { rank: number; row: LedgerHit | undefined };
  const all: Ranked[] = [
    ...found.facts.map((f, rank) => {
      const row = sourceOf(f.episodeUuids);
      return { kind: "fact" as const, id: f.uuid, text: f.fact, score: f.score ?? null, createdAt: f.createdAt, invalidAt: f.invalidAt ?? null, ...provenance(row), rank, row };
    }),
    ...found.episodes.map((e, rank) => {
      const row = rowOf.get(e.uuid);
      return { kind: "episode" as const, id: e.uuid, text: e.content, score: e.score ?? null, createdAt: e.createdAt, invalidAt: null, ...provenance(row), rank, row };
    }),
  ]
    // Members: only knowledge their own connections produced (traced through the ledger).
    .filter((r) => !member || r.connection !== null)
    // Zep's order within each list; interleaved by rank, a fact first (it is the distilled answer).
    .sort((a, b) => a.rank - b.rank || (a.kind === b.kind ? 0 : a.kind === "fact" ? -1 : 1));

  const strip = ({ rank: _rank, row: _row, ...r }: Ranked): KnowledgeResult => r;
  const taken = { fact: 0, episode: 0 };
  const results = all.filter((r) => ++taken[r.kind] <= limit).map(strip);

  const groups = new Map<string, KnowledgeGroup>();
  for (const r of all) {
    const key = r.row?.id ?? `unknown:${r.kind}:${r.id}`;
    let g = groups.get(key);
    if (!g) {
      const row = r.row;
      g = {
        source: row ? { provider: r.provider, connection: r.connection, model: row.model, recordId: row.recordId, title: row.title, url: r.url } : null,
        facts: [],
        episodes: [],
      };
      groups.set(key, g);
    }
    (r.kind === "fact" ? g.facts : g.episodes).push(strip(r));
  }
  const ordered = [...groups.values()];
  const pageCount = Math.max(1, Math.ceil(ordered.length / limit));
  return {
    project: { key: project.key, name: project.name },
    results,
    groups: ordered.slice((page - 1) * limit, page * limit),
    counts: { facts: all.filter((r) => r.kind === "fact").length, episodes: all.filter((r) => r.kind === "episode").length, records: ordered.length },
    page,
    pageCount,
  };
}

const webLink = (url: string | null) => (url && /^https?:\/\//i.test(url) ? url : null);
