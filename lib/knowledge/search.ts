// Searching a project's knowledge graph on behalf of a viewer. The project must be visible to the scope
// (lib/projects, rule in lib/data/scope), so a member can only search what their connections feed and no
// one can reach another organization's graph: the graph id is derived from the scope's own organization.
import "server-only";
import { z } from "zod";
import { prisma, type Provider } from "@/lib/db/client";
import { connectionsVisibleTo, type Scope } from "@/lib/data/scope";
import { visibleProject, type ProjectSummary } from "@/lib/projects";
import { interactivePolicy } from "@/lib/retry";
import { ensureGraph, searchGraph, type GraphEpisodeHit, type ZepCallOptions } from "@/lib/zep";
import { accountNameOf } from "@/lib/data/connection-metadata";
import { providerNamed } from "@/lib/nango/providers";

export const searchKnowledgeInput = z.object({
  projectKey: z.string().trim().min(1).max(100),
  query: z.string().trim().min(1, "Enter something to search for").max(400, "Search for at most 400 characters"),
  limit: z.number().int().min(1).max(50).default(10),
});
export type SearchKnowledgeInput = z.input<typeof searchKnowledgeInput>;

export type KnowledgeResult = {
  kind: "fact" | "episode";
  /** Zep's uuid of the edge or episode. */
  id: string;
  /** The fact, or the episode's content. */
  text: string;
  /** Zep's relevance (higher is better); null when Zep gave none. */
  score: number | null;
  createdAt: string;
  /** Where the knowledge came from, as far as the source episode tells. */
  provider: Provider | null;
  /** The Atlas connection that fed it, when the viewer may see that connection. */
  connection: { id: string; accountName: string | null } | null;
  /** Link back to the source record (issue, page, message), when the record had one. */
  url: string | null;
  recordId: string | null;
  /** For facts: when the fact stopped being true (e.g. the record was deleted or changed). */
  invalidAt: string | null;
};

export type KnowledgeSearchResult = { project: { key: string; name: string }; results: KnowledgeResult[] };


/** The episode's Nango connection id: metadata first, else the "(Nango connection …)" of its description. */
function nangoConnectionOf(e: Pick<GraphEpisodeHit, "metadata" | "sourceDescription"> | undefined): string | null {
  const fromMeta = e?.metadata?.connectionId;
  if (typeof fromMeta === "string" && fromMeta) return fromMeta;
  return /\(Nango connection ([^)]+)\)/.exec(e?.sourceDescription ?? "")?.[1] ?? null;
}

const str = (v: unknown) => (typeof v === "string" && v ? v : null);

export async function searchKnowledge(
  scope: Scope,
  input: SearchKnowledgeInput,
  // visibleProjects: projectsVisibleTo(scope), when the caller has it already (saves reading it again).
  opts: { zep?: ZepCallOptions; visibleProjects?: ProjectSummary[] } = {},
): Promise<KnowledgeSearchResult> {
  const { projectKey, query, limit } = searchKnowledgeInput.parse(input);
  // A person is waiting: a Zep outage becomes a message within seconds, not a page that hangs.
  const zep: ZepCallOptions = { ...opts.zep, retry: { ...interactivePolicy, ...opts.zep?.retry } };
  const known = opts.visibleProjects?.find((p) => p.key === projectKey);
  const project = known ?? (await visibleProject(scope, projectKey)); // throws NotFoundError
  await ensureGraph(project.graphId, zep);
  // A project's graph holds every connection that feeds it. Members may read only what came from their
  // own connections, so their hits are filtered below; ask Zep for more to still fill the page.
  const member = scope.role !== "ADMIN";
  const found = await searchGraph(project.graphId, query, member ? Math.min(50, limit * 3) : limit, zep);

  // Facts name their source episodes by uuid; those found by the episode search are at hand.
  const episodes = new Map(found.episodes.map((e) => [e.uuid, e]));
  const sourceOf = (uuids: string[]) => uuids.map((u) => episodes.get(u)).find(Boolean);

  // Connection rows for the Nango connection ids the hits mention, limited to what the viewer may see.
  const nangoIds = new Set<string>();
  for (const e of found.episodes) {
    const id = nangoConnectionOf(e);
    if (id) nangoIds.add(id);
  }
  const rows = nangoIds.size
    ? await prisma.connection.findMany({
        where: { ...connectionsVisibleTo(scope), connectionId: { in: [...nangoIds] } },
        select: { id: true, connectionId: true, provider: true, metadata: true },
      })
    : [];
  const byNangoId = new Map(rows.map((r) => [r.connectionId, r]));

  const provenance = (e: GraphEpisodeHit | undefined) => {
    const meta = e?.metadata ?? {};
    const row = byNangoId.get(nangoConnectionOf(e) ?? "");
    return {
      provider: row?.provider ?? providerNamed(String(meta.provider ?? "")),
      connection: row ? { id: row.id, accountName: accountNameOf(row) } : null,
      // Links come from provider records: only web links are offered.
      url: webLink(str(meta.url)),
      recordId: str(meta.recordId),
    };
  };

  const results: KnowledgeResult[] = [
    ...found.facts.map((f) => ({
      kind: "fact" as const,
      id: f.uuid,
      text: f.fact,
      score: f.score ?? null,
      createdAt: f.createdAt,
      invalidAt: f.invalidAt ?? null,
      ...provenance(sourceOf(f.episodeUuids)),
    })),
    ...found.episodes.map((e) => ({
      kind: "episode" as const,
      id: e.uuid,
      text: e.content,
      score: e.score ?? null,
      createdAt: e.createdAt,
      invalidAt: null,
      ...provenance(e),
    })),
  ];
  // Most relevant first; facts before episodes on equal scores (a fact is the distilled answer).
  results.sort((a, b) => (b.score ?? -1) - (a.score ?? -1) || (a.kind === b.kind ? 0 : a.kind === "fact" ? -1 : 1));
  // Members: only knowledge traced to a connection they may see (a fact without a known source is dropped).
  // As for admins, at most `limit` facts and `limit` episodes.
  const taken = { fact: 0, episode: 0 };
  const readable = member ? results.filter((r) => r.connection !== null && ++taken[r.kind] <= limit) : results;
  return { project: { key: project.key, name: project.name }, results: readable };
}

const webLink = (url: string | null) => (url && /^https?:\/\//i.test(url) ? url : null);
