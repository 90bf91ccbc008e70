// Sync runs as Nango's jobs service performs them (packages/jobs/lib/execution/sync.ts) and reports them
// (packages/webhooks/lib/sync.ts, packages/shared/lib/services/sync/manager.service.ts):
// - a success webhook per model, modifiedAfter = queryTimeStamp = the run's start, which becomes lastSyncDate;
// - a failure webhook with startedAt = lastSyncDate (the previous SUCCESSFUL run's start, or "now" before any),
//   failedAt = now, model = every model of the sync joined with commas, error type "script_error";
// - syncType INCREMENTAL once a run succeeded before, INITIAL otherwise.
import { randomUUID } from "node:crypto";
import type { NangoSyncWebhookBodyError, NangoSyncWebhookBodySuccess, ReportedSyncJobStatus, SyncStatus } from "@nangohq/types";
import { connectionOrUnknown } from "./auth-flows";
import { sendWebhook } from "./outgoing";
import { generateRecord } from "./records";
import { modelsOf, type SandboxConnection, type StoredRecord, type Store, type SyncState } from "./state";
import type { WebhookSent } from "./webhooks";

export type SyncChanges = { added?: number; updated?: number; deleted?: number; syncName?: string; model?: string };
type Result = { added: number; updated: number; deleted: number };

export function syncOf(c: SandboxConnection, pick: { syncName?: string; model?: string } = {}): SyncState {
  const state = [...c.syncs.values()].find((s) =>
    pick.syncName ? s.spec.name === pick.syncName : pick.model ? modelsOf(s.spec).includes(pick.model) : true,
  );
  if (!state) throw new Error(`Integration ${c.integration.uniqueKey} has no sync ${pick.syncName ?? pick.model}`);
  return state;
}

/** Adds, edits and deletes records of one model; edits and deletions take the oldest live records. */
function applyChanges(store: Store, c: SandboxConnection, model: string, changes: SyncChanges) {
  const records = c.records.get(model) ?? new Map<string, StoredRecord>();
  c.records.set(model, records);
  const result: Result = { added: 0, updated: 0, deleted: 0 };
  const touched = { added: [] as string[], updated: [] as string[], deleted: [] as string[] };
  const live = [...records.values()].filter((r) => r.deletedAt === null).sort((a, b) => a.n - b.n);
  const toUpdate = live.slice(0, changes.updated ?? 0);
  const toDelete = live.slice(toUpdate.length, toUpdate.length + (changes.deleted ?? 0));
  const generate = (n: number, version: number, at: number) =>
    generateRecord({ seed: store.seed, provider: c.integration.provider, model, n, version, at: new Date(at).toISOString() });
  for (const r of toUpdate) {
    const at = store.tickMs();
    r.version += 1;
    r.data = generate(r.n, r.version, at);
    r.lastModifiedAt = at;
    result.updated++;
    touched.updated.push(r.data.id);
  }
  for (const r of toDelete) {
    const at = store.tickMs();
    r.lastModifiedAt = at;
    r.deletedAt = at;
    result.deleted++;
    touched.deleted.push(r.data.id);
  }
  for (let i = 0; i < (changes.added ?? 0); i++) {
    const n = (c.generated.get(model) ?? 0) + 1;
    c.generated.set(model, n);
    const at = store.tickMs();
    const data = generate(n, 0, at);
    records.set(data.id, { uuid: randomUUID(), n, version: 0, data, firstSeenAt: at, lastModifiedAt: at, deletedAt: null });
    result.added++;
    touched.added.push(data.id);
  }
  return { result, touched };
}

const syncTypeOf = (sync: SyncState) => (sync.lastSyncDate ? "INCREMENTAL" : "INITIAL");

/** Runs one sync: changes records of one of its models, then sends a success webhook per model. */
export async function simulateSync(store: Store, connectionId: string, changes: SyncChanges = {}, opts: { evenIfPaused?: boolean } = {}) {
  const c = connectionOrUnknown(store, connectionId);
  const sync = syncOf(c, changes);
  if (sync.paused && !opts.evenIfPaused) throw new Error(`Sync ${sync.spec.name} of ${connectionId} is paused`);
  const model = changes.model ?? sync.spec.model;
  const startedAt = store.tick();
  const type = syncTypeOf(sync);
  sync.latestJob = { type, status: "RUNNING", updatedAt: startedAt, result: undefined };
  const { result, touched } = applyChanges(store, c, model, changes);

  const results: Record<string, Result> = {};
  const webhooks: WebhookSent<NangoSyncWebhookBodySuccess>[] = [];
  for (const m of modelsOf(sync.spec)) {
    const r = m === model ? result : { added: 0, updated: 0, deleted: 0 };
    results[m] = r;
    const body: NangoSyncWebhookBodySuccess = {
      from: "nango",
      type: "sync",
      connectionId: c.connectionId,
      providerConfigKey: c.integration.uniqueKey,
      syncName: sync.spec.name,
      syncVariant: "base",
      model: m,
      syncType: type,
      success: true,
      responseResults: r,
      modifiedAfter: startedAt,
      queryTimeStamp: startedAt,
    };
    const unchanged = r.added === 0 && r.updated === 0 && r.deleted === 0;
    webhooks.push(await sendWebhook(store, body, unchanged && !store.webhookSettings.onSyncCompletionAlways ? "on_sync_completion_always" : undefined));
  }
  sync.lastSyncDate = startedAt;
  sync.errorLogId = null;
  sync.latestJob = { type, status: "SUCCESS", updatedAt: store.tick(), result: results };
  const webhook = webhooks[modelsOf(sync.spec).indexOf(model)] ?? webhooks[0]!;
  return { model, syncName: sync.spec.name, modifiedAfter: startedAt, responseResults: result, records: touched, webhook, webhooks };
}

/** A run that fails: the job stops, lastSyncDate stays, and the failure webhook describes it as Nango does. */
export async function failSync(store: Store, connectionId: string, opts: { syncName?: string; model?: string; description?: string } = {}) {
  const c = connectionOrUnknown(store, connectionId);
  const sync = syncOf(c, opts);
  const type = syncTypeOf(sync);
  store.tick(); // the failed run's own start, which Nango does not send
  const failedAt = store.tick();
  const body: NangoSyncWebhookBodyError = {
    from: "nango",
    type: "sync",
    connectionId: c.connectionId,
    providerConfigKey: c.integration.uniqueKey,
    syncName: sync.spec.name,
    syncVariant: "base",
    model: modelsOf(sync.spec).join(","),
    syncType: type,
    success: false,
    error: { type: "script_error", description: opts.description ?? `The ${sync.spec.name} sync failed: upstream API returned 502` },
    // dayjs(lastSyncDate): before any successful run that is dayjs(undefined), i.e. now.
    startedAt: sync.lastSyncDate ?? failedAt,
    failedAt,
  };
  sync.latestJob = { type, status: "STOPPED", updatedAt: failedAt, result: undefined };
  sync.errorLogId = randomUUID();
  const webhook = await sendWebhook(store, body, store.webhookSettings.onSyncError ? undefined : "on_sync_error");
  return { webhook };
}

/**
 * "Sync now": the job is RUNNING at once and finishes (records, webhook) after `triggeredRunMs`. A full
 * resync (opts.reset) forgets lastSyncDate first, and emptyCache deletes the sync's records, as Nango's
 * orchestrator does for RUN_FULL (packages/shared/lib/clients/orchestrator.ts).
 */
export function triggerRun(store: Store, runs: Runs, c: SandboxConnection, sync: SyncState, full: { reset: boolean; emptyCache: boolean }) {
  if (full.reset) sync.lastSyncDate = null;
  if (full.reset && full.emptyCache) {
    for (const m of modelsOf(sync.spec)) {
      c.records.delete(m);
      c.generated.delete(m);
    }
  }
  sync.latestJob = { type: syncTypeOf(sync), status: "RUNNING", updatedAt: store.tick(), result: sync.latestJob?.result };
  const changes = store.opts.triggeredRunChanges ?? { added: 2, updated: 1 };
  runs.schedule(store.opts.triggeredRunMs ?? 200, async () => {
    if (store.connections.get(c.connectionId) !== c) return; // deleted meanwhile
    await simulateSync(store, c.connectionId, { ...changes, syncName: sync.spec.name }, { evenIfPaused: true });
  });
}

/** Timers of triggered runs, so that tests can wait for them and stop() can cancel them. */
export type Runs = ReturnType<typeof createRuns>;
export function createRuns() {
  const timers = new Map<NodeJS.Timeout, () => Promise<void>>();
  const running = new Set<Promise<void>>();
  const start = (timer: NodeJS.Timeout) => {
    const run = timers.get(timer);
    if (!run) return;
    timers.delete(timer);
    const p = run()
      .catch((err: unknown) => console.error("[nango sandbox] triggered run failed:", err))
      .finally(() => running.delete(p));
    running.add(p);
  };
  return {
    schedule(ms: number, run: () => Promise<void>) {
      const timer: NodeJS.Timeout = setTimeout(() => start(timer), ms).unref();
      timers.set(timer, run);
    },
    /** Resolves once every scheduled run has finished (runs scheduled meanwhile included). */
    async idle() {
      while (timers.size || running.size) {
        await (running.size ? Promise.all(running) : new Promise((r) => setTimeout(r, 5)));
      }
    },
    /** Starts every scheduled run now instead of at its time, then waits for them: no sleeping in tests. */
    async finishNow() {
      for (const timer of [...timers.keys()]) {
        clearTimeout(timer);
        start(timer);
      }
      await this.idle();
    },
    cancel() {
      for (const t of timers.keys()) clearTimeout(t);
      timers.clear();
    },
  };
}

/** Nango's classifySyncStatus: a running job wins, then the schedule, then the last job's outcome. */
function statusOf(sync: SyncState): SyncStatus {
  const job = sync.latestJob?.status;
  if (job === "RUNNING") return "RUNNING";
  if (sync.paused) return "PAUSED";
  if (job === "STOPPED") return "ERROR";
  return job ?? "SUCCESS";
}

export function syncStatus(c: SandboxConnection, names: Set<string> | "*"): ReportedSyncJobStatus[] {
  return [...c.syncs.values()]
    .filter((s) => names === "*" || names.has(s.spec.name))
    .map((s) => ({
      id: s.id,
      connection_id: c.connectionId,
      type: s.latestJob?.type === "INCREMENTAL" ? "INCREMENTAL" : "INITIAL",
      finishedAt: s.latestJob && s.latestJob.status !== "RUNNING" ? new Date(s.latestJob.updatedAt) : undefined,
      nextScheduledSyncAt: s.paused ? null : new Date(Date.now() + 3600_000),
      name: s.spec.name,
      variant: "base",
      status: statusOf(s),
      frequency: "every hour",
      latestResult: s.latestJob?.result,
      latestExecutionStatus: s.latestJob?.status,
      recordCount: Object.fromEntries(
        modelsOf(s.spec).map((m) => [m, [...(c.records.get(m)?.values() ?? [])].filter((r) => r.deletedAt === null).length]),
      ),
      checkpoint: null,
    }));
}
