// The Knowledge page's data: the projects the viewer may search, and the search itself with every failure
// turned into a sentence (the page never breaks because Zep is slow or down).
import "server-only";
import { searchKnowledge, type KnowledgeSearchResult } from "@/lib/knowledge/search";
import { projectsVisibleTo, type ProjectSummary } from "@/lib/projects";
import type { Scope } from "@/lib/data/scope";
import { describeError } from "@/lib/errors";
import { log } from "@/lib/log";
import { ZepCallError, ZepConfigError } from "@/lib/zep";
import { withoutControlCharacters } from "./params";

export type KnowledgeOutcome = { kind: "idle" } | { kind: "error"; message: string } | ({ kind: "results" } & Omit<KnowledgeSearchResult, "project">);

/** The first value of a query-string field, without control characters (the address-bar rule of ./params). */
const one = (v: string | string[] | undefined) => withoutControlCharacters((Array.isArray(v) ? v[0] : v) ?? "").trim() || undefined;

export async function searchKnowledgePage(scope: Scope, params: Record<string, string | string[] | undefined>) {
  const projects = await projectsVisibleTo(scope);
  const project: ProjectSummary | undefined = projects.find((p) => p.key === one(params.project)) ?? projects[0];
  const query = (one(params.q) ?? "").slice(0, 400);
  let outcome: KnowledgeOutcome = { kind: "idle" };
  if (query && project) {
    try {
      const page = Math.min(50, Math.max(1, Math.floor(Number(one(params.page)) || 1)));
      const { project: _p, ...found } = await searchKnowledge(scope, { projectKey: project.key, query, limit: 20, page }, { visibleProjects: projects });
      outcome = { kind: "results", ...found };
    } catch (err) {
      outcome = { kind: "error", message: searchFailure(err) };
    }
  }
  return { projects, project, query, outcome };
}

function searchFailure(err: unknown): string {
  // Zep's own failures get sentences about the graph; the rest go through the one error mapping.
  if (err instanceof ZepConfigError) return "The knowledge graph is not configured on this server (ZEP_API_KEY). Ask whoever deploys Atlas.";
  if (err instanceof ZepCallError) return `The knowledge graph could not be searched right now (${err.message}). Try again in a moment.`;
  const { message, expected } = describeError(err);
  if (!expected) log.error({ err }, "knowledge search failed");
  return message;
}
