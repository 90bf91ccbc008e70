// The Knowledge page's data: the projects the viewer may search, and the search itself with every failure
// turned into a sentence (the page never breaks because Zep is slow or down).
import { searchKnowledge, type KnowledgeResult } from "@/lib/knowledge/search";
import { projectsVisibleTo, type ProjectSummary } from "@/lib/projects";
import type { Scope } from "@/lib/data/scope";
import { ZepCallError } from "@/lib/zep";

export type KnowledgeOutcome = { kind: "idle" } | { kind: "error"; message: string } | { kind: "results"; results: KnowledgeResult[] };

const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v)?.trim() || undefined;

export async function searchKnowledgePage(scope: Scope, params: Record<string, string | string[] | undefined>) {
  const projects = await projectsVisibleTo(scope);
  const project: ProjectSummary | undefined = projects.find((p) => p.key === one(params.project)) ?? projects[0];
  const query = (one(params.q) ?? "").slice(0, 400);
  let outcome: KnowledgeOutcome = { kind: "idle" };
  if (query && project) {
    try {
      outcome = { kind: "results", results: (await searchKnowledge(scope, { projectKey: project.key, query, limit: 20 })).results };
    } catch (err) {
      if (!(err instanceof ZepCallError)) throw err;
      console.error("[knowledge] search failed", err);
      outcome = { kind: "error", message: `The knowledge graph could not be searched right now (${err.message}). Try again in a moment.` };
    }
  }
  return { projects, project, query, outcome };
}
