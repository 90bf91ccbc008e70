import Link from "next/link";
import { notFound } from "next/navigation";
import { Card, EmptyState } from "@/components/card";
import { ConnectionActions } from "@/components/connect/connection-actions";
import { Pager } from "@/components/filter-form";
import { ProviderName } from "@/components/provider-name";
import { RelativeTime } from "@/components/relative-time";
import { RunningSyncs } from "@/components/running-syncs";
import { StatusBadge } from "@/components/status-badge";
import { PausedBadge } from "@/components/paused-badge";
import { ConnectionSyncs } from "@/components/connection-syncs";
import { KnowledgeRebuild } from "@/components/knowledge-rebuild";
import { SyncTable } from "@/components/sync-table";
import { actorNameOf } from "@/lib/audit/record";
import { getViewer } from "@/lib/auth/viewer";
import { ACTION_LABEL, whoMustAct } from "@/lib/dashboard/attention";
import { loadConnectionDetail, runningSyncs } from "@/lib/dashboard/sync-history";
import { providerName } from "@/components/provider-name";
import { latestRebuild } from "@/lib/ingest/rebuild";
import { connectionKnowledgeCount } from "@/lib/ingest/removal";
import { isSandbox } from "@/lib/sandbox";
import { readConnectionMetadata } from "@/lib/data/connection-metadata";
import { syncRequestState } from "@/lib/nango/sync-request";

export const metadata = { title: "Connection" };

/** Metadata keys shown in their own sections; everything else is listed as plain facts. */
const SHOWN_APART = new Set(["lastError", "repositories", "permissions", "accountName", "syncsPausedAt", "syncRequestedAt", "lastAuthError"]);

function MetadataFacts({ metadata }: { metadata: Record<string, unknown> }) {
  const facts = Object.entries(metadata).filter(([k, v]) => !SHOWN_APART.has(k) && v !== null && typeof v !== "object");
  const lists = Object.entries(metadata).filter(([k, v]) => !SHOWN_APART.has(k) && Array.isArray(v));
  return (
    <dl className="grid grid-cols-1 gap-x-6 gap-y-2 text-sm sm:grid-cols-2">
      {[...facts, ...lists].map(([key, value]) => (
        <div key={key}>
          <dt className="text-xs font-medium uppercase tracking-wide text-slate-600">{key.replace(/([A-Z])/g, " $1")}</dt>
          <dd className="break-words">{Array.isArray(value) ? value.join(", ") : String(value)}</dd>
        </div>
      ))}
    </dl>
  );
}

export default async function ConnectionPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<{ cursor?: string }>;
}) {
  const viewer = await getViewer();
  const { id } = await params;
  const { cursor } = await searchParams;
  const detail = await loadConnectionDetail(viewer, id, typeof cursor === "string" ? cursor : undefined);
  if (!detail) notFound();
  const { connection, jobs, nextCursor } = detail;
  const [running, knowledgeRecords, rebuild] = await Promise.all([
    runningSyncs(viewer, connection.id),
    connectionKnowledgeCount(connection.connectionId),
    viewer.role === "ADMIN" ? latestRebuild(viewer, connection.id) : null,
  ]);
  const metadata = readConnectionMetadata(connection.metadata);
  const lastError = metadata.lastError ?? null;
  const syncRequest = syncRequestState(connection.metadata);
  const repositories = metadata.repositories ?? [];
  const permissions = metadata.permissions ?? [];

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-center gap-3">
        <h1 className="text-2xl font-semibold">
          <ProviderName provider={connection.provider} /> · {metadata.accountName ?? "connection"}
        </h1>
        <StatusBadge status={connection.status} />
        <PausedBadge metadata={connection.metadata} reason />
      </div>
      {(connection.createdByLabel || connection.modifiedByLabel) && (
        <p className="-mt-4 text-sm text-slate-600" data-testid="connection-provenance">
          {connection.createdByLabel && <>Connected by {actorNameOf(connection.createdByLabel)}</>}
          {connection.createdByLabel && connection.modifiedByLabel && " · "}
          {connection.modifiedByLabel && <>{connection.createdByLabel ? "last" : "Last"} changed by {actorNameOf(connection.modifiedByLabel)}</>}
        </p>
      )}

      <ConnectionActions
        connectionId={connection.id}
        label={providerName(connection.provider)}
        accountName={metadata.accountName ?? "this account"}
        status={connection.status}
        paused={Boolean(metadata.syncsPausedAt)}
        viewerIsOwner={connection.user.id === viewer.userId}
        ownerName={connection.user.name ?? connection.user.email}
        syncJobCount={connection._count.syncJobs}
        knowledgeRecords={knowledgeRecords}
        sandbox={isSandbox()}
      />

      {syncRequest &&
        (syncRequest.late ? (
          <div role="status" data-testid="sync-request" className="rounded-lg border border-amber-200 bg-amber-50 p-4 text-sm text-amber-900">
            Sync requested <RelativeTime date={syncRequest.requestedAt} />, and no sync webhook has come from Nango in {syncRequest.patienceMinutes} minutes. The
            sync may still be running, or it failed without telling Atlas (some Nango environments do not send failure webhooks): check it in Nango&apos;s
            dashboard, or request it again.
          </div>
        ) : (
          <div role="status" data-testid="sync-request" className="rounded-lg border border-slate-200 bg-slate-50 p-4 text-sm text-slate-700">
            Sync requested <RelativeTime date={syncRequest.requestedAt} />, waiting for Nango to report it.
          </div>
        ))}

      {metadata.lastAuthError && (
        <div role="status" data-testid="last-auth-error" className="rounded-lg border border-amber-200 bg-amber-50 p-4 text-sm text-amber-900">
          The last re-authorization failed: {metadata.lastAuthError.message} <code className="text-xs">{metadata.lastAuthError.code}</code> (
          <RelativeTime date={metadata.lastAuthError.timestamp} fallback="time unknown" />
          ). The connection keeps its previous credentials.
        </div>
      )}

      {lastError && (
        <div role="alert" className="rounded-lg border border-rose-200 bg-rose-50 p-4 text-sm">
          <p className="font-medium text-rose-900">
            {lastError.message} <code className="text-xs">{lastError.code}</code>
          </p>
          <p className="mt-1 text-rose-900">
            {ACTION_LABEL[whoMustAct(connection.status, lastError.code)].title}:{" "}
            {ACTION_LABEL[whoMustAct(connection.status, lastError.code)].hint}{" "}
            <span className="text-rose-800">
              (<RelativeTime date={lastError.timestamp} fallback="time unknown" />)
            </span>
          </p>
        </div>
      )}

      <ConnectionSyncs scope={viewer} connectionId={connection.id} />

      <div className="grid gap-6 lg:grid-cols-3">
        <Card title="Connection">
          <dl className="space-y-2 text-sm">
            <div>
              <dt className="text-xs font-medium uppercase tracking-wide text-slate-600">Owner</dt>
              <dd data-testid="detail-owner">
                {connection.user.name ?? connection.user.email} <span className="text-slate-600">{connection.user.email}</span>
              </dd>
            </div>
            <div>
              <dt className="text-xs font-medium uppercase tracking-wide text-slate-600">Last sync</dt>
              <dd>
                <RelativeTime date={connection.lastSyncAt} />
              </dd>
            </div>
            <div>
              <dt className="text-xs font-medium uppercase tracking-wide text-slate-600">Connected</dt>
              <dd>
                <RelativeTime date={connection.createdAt} />
              </dd>
            </div>
            <div>
              <dt className="text-xs font-medium uppercase tracking-wide text-slate-600">Nango connection id</dt>
              <dd className="break-all font-mono text-xs">{connection.connectionId}</dd>
            </div>
          </dl>
        </Card>
        <Card title="Access">
          {repositories.length > 0 && (
            <>
              <h3 className="text-xs font-medium uppercase tracking-wide text-slate-600">Repositories</h3>
              <ul className="mb-3 mt-1 flex flex-wrap gap-1" data-testid="repositories">
                {repositories.map((r) => (
                  <li key={r} className="rounded bg-slate-100 px-2 py-0.5 font-mono text-xs">
                    {r}
                  </li>
                ))}
              </ul>
            </>
          )}
          <h3 className="text-xs font-medium uppercase tracking-wide text-slate-600">Permissions</h3>
          {permissions.length ? (
            <ul className="mt-1 flex flex-wrap gap-1">
              {permissions.map((p) => (
                <li key={p} className="rounded bg-indigo-50 px-2 py-0.5 font-mono text-xs text-indigo-900">
                  {p}
                </li>
              ))}
            </ul>
          ) : (
            <p className="text-sm text-slate-600">None recorded.</p>
          )}
        </Card>
        <Card title="Details">
          <MetadataFacts metadata={metadata} />
        </Card>
      </div>

      <Card title="Running syncs">
        <RunningSyncs connectionId={connection.id} initial={running.map((r) => ({ ...r, startedAt: r.startedAt.toISOString() }))} />
      </Card>

      <Card title="Knowledge graph">
        <p className="mb-3 text-sm text-slate-700" data-testid="knowledge-records">
          {knowledgeRecords.toLocaleString("en-US")} {knowledgeRecords === 1 ? "record" : "records"} of this connection in the graph.{" "}
          <Link href={`/graph-records/${connection.id}`} className="text-indigo-700 underline hover:text-indigo-900">
            Browse records in the graph
          </Link>
        </p>
        {viewer.role === "ADMIN" && <KnowledgeRebuild connectionId={connection.id} initial={rebuild} ledgerRecords={knowledgeRecords} />}
      </Card>

      <section className="space-y-3">
        <h2 className="text-lg font-semibold">Sync history ({connection._count.syncJobs.toLocaleString("en-US")} {connection._count.syncJobs === 1 ? "job" : "jobs"})</h2>
        {jobs.length === 0 ? <EmptyState title="No syncs yet" /> : <SyncTable jobs={jobs} retryable />}
        <Pager
          isFirst={!cursor}
          firstHref={`/connections/${connection.id}`}
          nextHref={nextCursor ? `/connections/${connection.id}?cursor=${nextCursor}` : null}
        />
      </section>
    </div>
  );
}
