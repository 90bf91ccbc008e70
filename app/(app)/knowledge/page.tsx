import Link from "next/link";
import { Card, EmptyState } from "@/components/card";
import { ProjectForm } from "@/components/project-form";
import { ProjectRebuildButton } from "@/components/project-rebuild-button";
import { ProviderName } from "@/components/provider-name";
import { RelativeTime } from "@/components/relative-time";
import { getViewer } from "@/lib/auth/viewer";
import { searchKnowledgePage } from "@/lib/dashboard/knowledge";
import { activeRebuildsByProject } from "@/lib/ingest/rebuild";
import { knowledgeBeingRemoved } from "@/lib/ingest/removal";

export const metadata = { title: "Knowledge" };

export default async function KnowledgePage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const viewer = await getViewer();
  const admin = viewer.role === "ADMIN";
  const [{ projects, project, query, outcome }, removing, rebuilding] = await Promise.all([
    searchKnowledgePage(viewer, await searchParams),
    admin ? knowledgeBeingRemoved(viewer.organizationId) : Promise.resolve(0),
    admin ? activeRebuildsByProject(viewer) : Promise.resolve({} as Awaited<ReturnType<typeof activeRebuildsByProject>>),
  ]);
  return (
    <div className="min-w-0 space-y-6 [overflow-wrap:anywhere]">
      <div>
        <h1 className="text-2xl font-semibold">Knowledge</h1>
        <p className="text-sm text-slate-600">
          Search what your connections synced into the knowledge graph: facts Zep extracted and the episodes (issues, pages, messages) they came from.
        </p>
        {removing > 0 && (
          <p role="status" className="mt-2 text-sm text-amber-800" data-testid="knowledge-removal">
            Removing {removing.toLocaleString()} records of disconnected connections from the graph; reload to follow.
          </p>
        )}
      </div>
      <form className="flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm" role="search">
        <label className="flex min-w-0 max-w-full flex-col text-xs font-medium text-slate-700">
          Project
          <select name="project" defaultValue={project?.key} className="mt-1 w-full min-w-0 max-w-[16rem] truncate rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm">
            {projects.map((p) => (
              <option key={p.key} value={p.key}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <label className="flex min-w-0 flex-1 basis-48 flex-col text-xs font-medium text-slate-700">
          Search
          <input
            type="search"
            name="q"
            defaultValue={query}
            maxLength={400}
            placeholder="e.g. flaky deploy, onboarding checklist, INC-42"
            className="mt-1 rounded-md border border-slate-300 px-2 py-1.5 text-sm"
          />
        </label>
        <button className="rounded-md bg-indigo-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-800">Search</button>
      </form>

      {outcome.kind === "idle" && (
        <EmptyState title="Search a project's graph">Each project is a graph of its own; connections feed the project chosen when they were connected.</EmptyState>
      )}
      {outcome.kind === "error" && (
        <p role="alert" className="rounded-md border border-rose-200 bg-rose-50 p-3 text-sm text-rose-900">
          {outcome.message}
        </p>
      )}
      {outcome.kind === "results" && outcome.results.length === 0 && (
        <EmptyState title={`Nothing found for “${query}”`}>Try other words, or check that a sync has completed for this project.</EmptyState>
      )}
      {outcome.kind === "results" && outcome.results.length > 0 && (
        <section className="space-y-3" aria-label="Results by source record">
          <p className="text-sm text-slate-600" data-testid="knowledge-counts">
            {outcome.counts.facts} facts and {outcome.counts.episodes} episodes from {outcome.counts.records} source records
          </p>
          <ol className="space-y-3" data-testid="knowledge-results">
            {outcome.groups.map((g, i) => (
              <li key={g.source ? `${g.source.connection?.id}-${g.source.recordId}` : `unknown-${i}`} className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm" data-testid="knowledge-group">
                <div className="mb-2 flex flex-wrap items-center gap-2 text-xs text-slate-600">
                  {g.source?.provider && <ProviderName provider={g.source.provider} />}
                  <span className="font-medium text-slate-900">{g.source ? (g.source.title ?? `${g.source.model} ${g.source.recordId}`) : "Source not in the ledger"}</span>
                  {g.source?.connection && (
                    <Link href={`/connections/${g.source.connection.id}`} className="text-indigo-700 hover:underline">
                      {g.source.connection.accountName ?? "connection"}
                    </Link>
                  )}
                  <span>
                    {g.facts.length} fact{g.facts.length === 1 ? "" : "s"}, {g.episodes.length} episode{g.episodes.length === 1 ? "" : "s"}
                  </span>
                </div>
                <ul className="space-y-2">
                  {[...g.facts, ...g.episodes].map((r) => (
                    <li key={`${r.kind}-${r.id}`} data-testid="knowledge-result" className="text-sm">
                      <span className={`mr-2 rounded-full px-2 py-0.5 text-xs font-medium ${r.kind === "fact" ? "bg-indigo-50 text-indigo-900" : "bg-slate-100 text-slate-800"}`}>
                        {r.kind === "fact" ? "Fact" : "Episode"}
                      </span>
                      {r.provider && <span className="sr-only"><ProviderName provider={r.provider} /></span>}
                      <span className="line-clamp-6 whitespace-pre-line">{r.text}</span>
                      <span className="ml-2 text-xs text-slate-600">
                        <RelativeTime date={r.createdAt} />
                        {r.invalidAt && <span className="ml-1 text-amber-800">no longer true since <RelativeTime date={r.invalidAt} /></span>}
                      </span>
                      {r.url && (
                        <a href={r.url} target="_blank" rel="noreferrer" className="ml-2 text-xs text-indigo-700 hover:underline">
                          Open the source record ↗
                        </a>
                      )}
                    </li>
                  ))}
                </ul>
              </li>
            ))}
          </ol>
          {outcome.pageCount > 1 && (
            <nav className="flex gap-3 text-sm" aria-label="Result pages">
              {outcome.page > 1 && (
                <Link href={`?${new URLSearchParams({ project: project?.key ?? "", q: query, page: String(outcome.page - 1) })}`} className="text-indigo-700 hover:underline">
                  ← Previous
                </Link>
              )}
              <span className="text-slate-600">
                Page {outcome.page} of {outcome.pageCount}
              </span>
              {outcome.page < outcome.pageCount && (
                <Link href={`?${new URLSearchParams({ project: project?.key ?? "", q: query, page: String(outcome.page + 1) })}`} className="text-indigo-700 hover:underline">
                  Next →
                </Link>
              )}
            </nav>
          )}
        </section>
      )}

      {admin && (
        <Card title="Projects">
          <p className="mb-3 text-sm text-slate-600">A project is a knowledge graph of its own inside {viewer.organizationName}. Every organization has “Default”.</p>
          <ul className="mb-4 divide-y divide-slate-100 text-sm" data-testid="projects">
            {projects.map((p) => (
              <li key={p.key} className="flex flex-wrap items-start justify-between gap-2 py-1.5">
                <span className="min-w-0">
                  <span className="block font-medium">{p.name}</span>
                  <span className="block font-mono text-xs text-slate-600">graph {p.graphId}</span>
                  {rebuilding[p.key] && (
                    <span role="status" className="block text-xs text-sky-900" data-testid="project-rebuild">
                      Rebuilding {rebuilding[p.key]!.connections} connection{rebuilding[p.key]!.connections === 1 ? "" : "s"}: {rebuilding[p.key]!.records.toLocaleString("en-US")} records read,{" "}
                      {rebuilding[p.key]!.written.toLocaleString("en-US")} written, {rebuilding[p.key]!.skipped.toLocaleString("en-US")} skipped; each connection&apos;s page follows it.
                    </span>
                  )}
                </span>
                <ProjectRebuildButton projectKey={p.key} projectName={p.name} />
              </li>
            ))}
          </ul>
          <ProjectForm />
        </Card>
      )}
    </div>
  );
}
