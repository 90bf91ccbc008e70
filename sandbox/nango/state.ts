// The sandbox's in-memory Nango environment: options, integrations, sessions, connections, syncs, records,
// and the views Nango's API answers with (typed with @nangohq/types so drift fails `tsc`).
import { randomBytes, randomUUID } from "node:crypto";
import type { ApiEndUser, ApiPublicConnection, ApiPublicConnectionFull, ApiPublicIntegration } from "@nangohq/types";
import type { RecordData } from "./records";
import type { WebhookSent } from "./webhooks";

export type SyncSpec = {
  name: string;
  /** The model the sync writes by default (simulateSync's default). */
  model: string;
  /** Every model the sync writes, when more than one (a failure webhook names them joined with commas). */
  models?: string[];
};

export type SandboxIntegration = {
  /** Nango's "unique key" = providerConfigKey = integration id. */
  uniqueKey: string;
  /** Nango's provider name (providers.yaml), e.g. "github". */
  provider: string;
  displayName: string;
  /** Syncs deployed for the integration; the first one is the default of simulateSync. */
  syncs: SyncSpec[];
};

/** The integrations of a fresh Nango environment with the templates Atlas uses. */
export const DEFAULT_INTEGRATIONS: SandboxIntegration[] = [
  { uniqueKey: "github", provider: "github", displayName: "GitHub", syncs: [{ name: "issues", model: "Issue" }, { name: "pull-requests", model: "PullRequest" }] },
  { uniqueKey: "notion", provider: "notion", displayName: "Notion", syncs: [{ name: "content-metadata", model: "ContentMetadata" }] },
  { uniqueKey: "jira", provider: "jira", displayName: "Jira", syncs: [{ name: "issues", model: "Issue" }] },
  { uniqueKey: "slack", provider: "slack", displayName: "Slack", syncs: [{ name: "messages-received", model: "Message" }] },
  { uniqueKey: "linear", provider: "linear", displayName: "Linear", syncs: [{ name: "issues", model: "LinearIssue" }] },
];

/** The environment's webhook settings (Nango's _nango_external_webhooks row). All on by default here. */
export type WebhookSettings = {
  onAuthCreation: boolean;
  onAuthRefreshError: boolean;
  onSyncError: boolean;
  /** Off: a successful run that changed nothing sends no webhook. */
  onSyncCompletionAlways: boolean;
};

export type NangoSandboxOptions = {
  /** 0 (default) picks a free port. */
  port?: number;
  secretKey: string;
  webhookSigningKey: string;
  /** The app's POST /api/webhooks/nango. Unset: webhooks are built and signed but not sent. */
  webhookUrl?: string;
  /** Base URL browsers use to reach the sandbox (connect_link). Default: the listening URL. */
  publicUrl?: string;
  /** Requests per window per account and credential type before 429 (Nango's default is 200 per minute). */
  rateLimitPerMinute?: number;
  /** Length of a rate-limit window (default 60,000 ms, as Nango). Under 1,000 ms every 429 says Retry-After: 0. */
  rateLimitWindowMs?: number;
  /** Seed of the generated records. */
  seed?: string;
  integrations?: SandboxIntegration[];
  /** Retries of a webhook answered 5xx or lost to a network error (Nango: 2). */
  webhookRetries?: number;
  /** First retry delay of a webhook; each next one doubles (Nango: 3,000 ms). Default 100 ms. */
  webhookBackoffMs?: number;
  /** Timeout of one webhook attempt (Nango: 20,000 ms). */
  webhookTimeoutMs?: number;
  webhookSettings?: Partial<WebhookSettings>;
  /** How long Nango keeps signing with the previous key after a rotation (its cache TTL: 300,000 ms). */
  signingKeyCacheMs?: number;
  /** How long a triggered ("Sync now") run takes before it finishes and sends its webhook (default 200 ms). */
  triggeredRunMs?: number;
  /** What a triggered run changes in the sync's default model (default: 2 added, 1 updated). */
  triggeredRunChanges?: { added?: number; updated?: number; deleted?: number };
  /** Host to listen on (default 127.0.0.1). */
  host?: string;
};

export type EndUser = {
  id: string;
  email: string | null;
  display_name: string | null;
  tags: Record<string, string>;
  organization: { id: string; display_name: string | null } | null;
};

export type ConnectSession = {
  token: string;
  endUser: EndUser | null;
  tags: Record<string, string>;
  allowedIntegrations: string[] | null;
  expiresAt: Date;
  /** Set for reconnect sessions: authorizing re-authorizes this connection (an "override"). */
  reconnect: { connectionId: string; integrationId: string } | null;
};

export type StoredRecord = {
  /** Nango's internal record id (a uuid); with the modification time it orders records and makes cursors. */
  uuid: string;
  n: number;
  version: number;
  data: RecordData;
  firstSeenAt: number;
  lastModifiedAt: number;
  deletedAt: number | null;
};

/** One finished run, as Nango's sync job row: status SUCCESS, or STOPPED for a failure. */
export type SyncJob = {
  type: "INCREMENTAL" | "INITIAL";
  status: "RUNNING" | "SUCCESS" | "STOPPED";
  updatedAt: string;
  result: Record<string, { added: number; updated: number; deleted: number }> | undefined;
};

export type SyncState = {
  id: string;
  spec: SyncSpec;
  /** Schedule state: paused by pauseSync, started by startSync. */
  paused: boolean;
  /** Start of the last successful run (Nango's lastSyncDate); null before the first success. */
  lastSyncDate: string | null;
  /** Log id of the failure the connection's `errors` show until the sync succeeds again. */
  errorLogId: string | null;
  latestJob: SyncJob | null;
};

export type SandboxConnection = {
  id: number;
  connectionId: string;
  integration: SandboxIntegration;
  createdAt: string;
  updatedAt: string;
  metadata: Record<string, unknown> | null;
  endUser: EndUser | null;
  tags: Record<string, string>;
  /** Auth errors (a refused refresh); sync errors are added from the syncs' state by the views. */
  errors: { type: string; log_id: string }[];
  accessToken: string;
  syncs: Map<string, SyncState>;
  /** model → record id → record */
  records: Map<string, Map<string, StoredRecord>>;
  /** model → records generated so far (next record number - 1) */
  generated: Map<string, number>;
};

export type Store = ReturnType<typeof createStore>;

export function createStore(opts: NangoSandboxOptions) {
  let lastTick = 0;
  const store = {
    opts,
    integrations: opts.integrations ?? DEFAULT_INTEGRATIONS,
    seed: opts.seed ?? "atlas",
    webhookSettings: { onAuthCreation: true, onAuthRefreshError: true, onSyncError: true, onSyncCompletionAlways: true, ...opts.webhookSettings },
    sessions: new Map<string, ConnectSession>(),
    connections: new Map<string, SandboxConnection>(),
    webhooks: [] as WebhookSent[],
    webhookUrl: opts.webhookUrl,
    signing: { current: opts.webhookSigningKey, previous: null as string | null, previousUntil: 0 },
    nextConnectionNumber: 1,
    /** Set once listening. */
    baseUrl: "",
    /** Now in ms, strictly after the previous tick: modification times are then a total order. */
    tickMs(): number {
      lastTick = Math.max(Date.now(), lastTick + 1);
      return lastTick;
    },
    tick(): string {
      return new Date(store.tickMs()).toISOString();
    },
    integrationById(key: string) {
      return store.integrations.find((i) => i.uniqueKey === key);
    },
  };
  return store;
}

export function newConnection(
  store: Store,
  input: { connectionId?: string; integration: SandboxIntegration; endUser: EndUser | null; tags: Record<string, string>; paused?: boolean },
): SandboxConnection {
  const now = store.tick();
  return {
    id: store.nextConnectionNumber++,
    connectionId: input.connectionId ?? randomUUID(),
    integration: input.integration,
    createdAt: now,
    updatedAt: now,
    metadata: null,
    endUser: input.endUser,
    tags: input.tags,
    errors: [],
    accessToken: newAccessToken(),
    syncs: new Map(input.integration.syncs.map((spec) => [spec.name, { id: randomUUID(), spec, paused: input.paused ?? false, lastSyncDate: null, errorLogId: null, latestJob: null }])),
    records: new Map(),
    generated: new Map(),
  };
}

export const newAccessToken = () => `sandbox_${randomBytes(16).toString("hex")}`;

export const modelsOf = (spec: SyncSpec) => spec.models ?? [spec.model];

export const lowercaseKeys = (tags: Record<string, string> = {}) => Object.fromEntries(Object.entries(tags).map(([k, v]) => [k.toLowerCase(), v]));

/** Connection tags as Nango derives them from the end user and organization, plus explicit tags. */
export function connectionTags(endUser: EndUser | null, explicit: Record<string, string>): Record<string, string> {
  const derived: Record<string, string> = {};
  if (endUser) {
    derived.end_user_id = endUser.id;
    if (endUser.email) derived.end_user_email = endUser.email;
    if (endUser.display_name) derived.end_user_display_name = endUser.display_name;
    if (endUser.organization) {
      derived.organization_id = endUser.organization.id;
      if (endUser.organization.display_name) derived.organization_display_name = endUser.organization.display_name;
    }
  }
  return { ...derived, ...explicit };
}

// --- views ----------------------------------------------------------------------------------------

/** Active error notifications, as Nango lists them: auth ones, then one per failing sync. */
const errorsOf = (c: SandboxConnection) => [
  ...c.errors,
  ...[...c.syncs.values()].flatMap((s) => (s.errorLogId ? [{ type: "sync", log_id: s.errorLogId }] : [])),
];

const apiEndUser = (u: EndUser | null): ApiEndUser | null =>
  u ? { id: u.id, email: u.email, display_name: u.display_name, tags: u.tags, organization: u.organization } : null;

export const publicConnection = (c: SandboxConnection): ApiPublicConnection => ({
  id: c.id,
  connection_id: c.connectionId,
  provider_config_key: c.integration.uniqueKey,
  provider: c.integration.provider,
  created: c.createdAt,
  metadata: c.metadata,
  errors: errorsOf(c),
  end_user: apiEndUser(c.endUser),
  tags: c.tags,
});

export const fullConnection = (c: SandboxConnection): ApiPublicConnectionFull => ({
  id: c.id,
  connection_id: c.connectionId,
  provider_config_key: c.integration.uniqueKey,
  provider: c.integration.provider,
  created_at: c.createdAt,
  updated_at: c.updatedAt,
  last_fetched_at: new Date().toISOString(),
  metadata: c.metadata,
  errors: errorsOf(c),
  end_user: apiEndUser(c.endUser),
  tags: c.tags,
  connection_config: {},
  webhook_url_override: null,
  credentials: {
    type: "OAUTH2",
    access_token: c.accessToken,
    expires_at: new Date(Date.now() + 3600_000).toISOString(),
    raw: { access_token: c.accessToken, token_type: "bearer", scope: "sandbox" },
  },
});

export const publicIntegration = (store: Store, i: SandboxIntegration): ApiPublicIntegration => ({
  unique_key: i.uniqueKey,
  provider: i.provider,
  display_name: i.displayName,
  logo: `${store.baseUrl}/images/template-logos/${i.provider}.svg`,
  forward_webhooks: false,
  created_at: "2026-01-01T00:00:00.000Z",
  updated_at: "2026-01-01T00:00:00.000Z",
});
