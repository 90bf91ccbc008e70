// A local stand-in for Nango's API (tests and the local sandbox mode). It speaks the wire protocol of
// @nangohq/node / @nangohq/frontend 0.71.10 as described in /work/shared/reference/nango.md, keeps its
// state in memory, and adds control endpoints under /_sandbox/ (not part of Nango) to simulate what
// Nango would do on its own: finish a sync, fail a sync, fail a token refresh.
import { randomBytes, randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";
import { connectUiHtml } from "./connect-ui";
import { generateRecord, type RecordData } from "./records";
import { deliverWebhook, signWebhook, type WebhookDeliveryResult } from "./webhooks";

// ---------------------------------------------------------------------------------------------------
// Configuration

export type SandboxIntegration = {
  /** Nango's "unique key" = providerConfigKey = integration id. */
  uniqueKey: string;
  /** Nango's provider name (providers.yaml), e.g. "github". */
  provider: string;
  displayName: string;
  /** Syncs deployed for the integration; the first one is the default of simulateSync. */
  syncs: { name: string; model: string }[];
};

/** The integrations of a fresh Nango environment with the templates Atlas uses (nango.md §4). */
export const DEFAULT_INTEGRATIONS: SandboxIntegration[] = [
  { uniqueKey: "github", provider: "github", displayName: "GitHub", syncs: [{ name: "issues", model: "Issue" }, { name: "pull-requests", model: "PullRequest" }] },
  { uniqueKey: "notion", provider: "notion", displayName: "Notion", syncs: [{ name: "content-metadata", model: "ContentMetadata" }] },
  { uniqueKey: "jira", provider: "jira", displayName: "Jira", syncs: [{ name: "issues", model: "Issue" }] },
  { uniqueKey: "slack", provider: "slack", displayName: "Slack", syncs: [{ name: "messages-received", model: "Message" }] },
  { uniqueKey: "linear", provider: "linear", displayName: "Linear", syncs: [{ name: "issues", model: "LinearIssue" }] },
];

export type NangoSandboxOptions = {
  /** 0 (default) picks a free port. */
  port?: number;
  secretKey: string;
  webhookSigningKey: string;
  /** The app's POST /api/webhooks/nango. Unset: webhooks are built and signed but not sent. */
  webhookUrl?: string;
  /** Base URL browsers use to reach the sandbox (connect_link). Default: the listening URL. */
  publicUrl?: string;
  /** Requests per minute per key before 429 (Nango's default is 200). */
  rateLimitPerMinute?: number;
  /** Seed of the generated records. */
  seed?: string;
  integrations?: SandboxIntegration[];
  /** Retries of a webhook answered with non-2xx (Nango: 2). */
  webhookRetries?: number;
  /** Host to listen on (default 127.0.0.1). */
  host?: string;
};

// ---------------------------------------------------------------------------------------------------
// State

type EndUser = {
  id: string;
  email: string | null;
  display_name: string | null;
  tags: Record<string, string>;
  organization: { id: string; display_name: string | null } | null;
};

type ConnectSession = {
  token: string;
  endUser: EndUser | null;
  tags: Record<string, string>;
  allowedIntegrations: string[] | null;
  expiresAt: Date;
  /** Set for reconnect sessions: authorizing re-authorizes this connection (an "override"). */
  reconnect: { connectionId: string; integrationId: string } | null;
};

type StoredRecord = {
  n: number;
  version: number;
  data: RecordData;
  firstSeenAt: string;
  lastModifiedAt: string;
  lastAction: "ADDED" | "UPDATED" | "DELETED";
  deletedAt: string | null;
  /** Global modification order; records are listed by it and cursors point into it. */
  seq: number;
};

type SyncState = {
  id: string;
  name: string;
  model: string;
  status: "SUCCESS" | "RUNNING" | "PAUSED" | "ERROR";
  runs: number;
  triggers: number;
  finishedAt: string | null;
  latestResult: Record<string, { added: number; updated: number; deleted: number }> | null;
};

type SandboxConnection = {
  id: number;
  connectionId: string;
  integration: SandboxIntegration;
  createdAt: string;
  updatedAt: string;
  metadata: Record<string, unknown> | null;
  endUser: EndUser | null;
  tags: Record<string, string>;
  errors: { type: string; log_id: string }[];
  accessToken: string;
  syncs: Map<string, SyncState>;
  /** model → record id → record */
  records: Map<string, Map<string, StoredRecord>>;
  /** model → records generated so far (next record number - 1) */
  generated: Map<string, number>;
};

export type WebhookSent = WebhookDeliveryResult & { payload: Record<string, unknown> };

export type SyncChanges = { added?: number; updated?: number; deleted?: number; syncName?: string; model?: string };

// ---------------------------------------------------------------------------------------------------
// HTTP helpers

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(code);
  }
}

type Reply = { status: number; body?: unknown; html?: string; headers?: Record<string, string> };

type Ctx = {
  req: http.IncomingMessage;
  url: URL;
  params: string[];
  body: unknown;
  session: ConnectSession | null;
};

type Route = {
  method: string;
  path: RegExp;
  /** secret: the environment's secret key; session: a connect session token; either: one of them. */
  auth: "secret" | "session" | "either" | "none";
  handle: (ctx: Ctx) => Reply | Promise<Reply>;
};

const ok = (body: unknown, status = 200): Reply => ({ status, body });

/** Nango's validation error body: {error:{code, errors:[{code,message,path}]}}. */
function invalid(code: string, error: z.ZodError): HttpError {
  return new HttpError(400, code, { errors: error.issues.map((i) => ({ code: i.code, message: i.message, path: i.path })) });
}

function parse<T>(schema: z.ZodType<T>, value: unknown, code: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw invalid(code, result.error);
  return result.data;
}

const TAG_KEY = /^[a-zA-Z][a-zA-Z0-9_\-./]*$/;
const tagsSchema = z
  .record(z.string().max(64).regex(TAG_KEY), z.string().max(255))
  .refine((tags) => Object.keys(tags).length <= 10, "at most 10 tags");
const endUserSchema = z.object({
  id: z.string().min(1).max(255),
  email: z.email().optional(),
  display_name: z.string().max(255).optional(),
  tags: tagsSchema.optional(),
});
const organizationSchema = z.object({ id: z.string().min(1).max(255), display_name: z.string().max(255).optional() });
const sessionBodyFields = {
  end_user: endUserSchema.optional(),
  organization: organizationSchema.optional(),
  allowed_integrations: z.array(z.string().min(1)).optional(),
  integrations_config_defaults: z.record(z.string(), z.unknown()).optional(),
  tags: tagsSchema.optional(),
  overrides: z.record(z.string(), z.unknown()).optional(),
  webhook_url_override: z.url().optional(),
};
const postSessionSchema = z
  .object(sessionBodyFields)
  .strict()
  .refine((b) => b.end_user !== undefined || b.tags !== undefined, { message: "end_user or tags is required", path: ["end_user"] });
const reconnectSchema = z
  .object({ ...sessionBodyFields, connection_id: z.string().min(1), integration_id: z.string().min(1) })
  .omit({ allowed_integrations: true })
  .strict();
const syncNamesSchema = z.array(z.union([z.string().min(1), z.object({ name: z.string().min(1), variant: z.string().optional() })])).min(1);
const syncCommandSchema = z.object({
  syncs: syncNamesSchema,
  provider_config_key: z.string().min(1),
  connection_id: z.string().min(1).optional(),
  opts: z.object({ reset: z.boolean().optional(), emptyCache: z.boolean().optional() }).optional(),
  sync_mode: z.enum(["full_refresh", "incremental", "full_refresh_and_clear_cache"]).optional(),
});
const metadataSchema = z.object({
  connection_id: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  provider_config_key: z.string().min(1),
  metadata: z.record(z.string(), z.unknown()),
});
const patchConnectionSchema = z
  .object({ end_user: endUserSchema.optional(), tags: tagsSchema.optional(), webhook_url_override: z.url().optional() })
  .strict();
const recordsQuerySchema = z.object({
  model: z.string().regex(/^[A-Z][a-zA-Z0-9_-]+$/),
  limit: z.coerce.number().int().min(1).max(10_000).default(100),
  modified_after: z.iso
    .datetime({ offset: true })
    .refine((v) => Date.parse(v) >= Date.now() - 366 * 24 * 3600 * 1000, "modified_after must be within the last 12 months")
    .optional(),
  cursor: z.string().min(1).optional(),
  filter: z
    .string()
    .regex(/^(added|updated|deleted)(,(added|updated|deleted))*$/i)
    .optional(),
  variant: z.string().optional(),
});

const lowercaseKeys = (tags: Record<string, string> = {}) =>
  Object.fromEntries(Object.entries(tags).map(([k, v]) => [k.toLowerCase(), v]));

const encodeCursor = (r: StoredRecord) => Buffer.from(`${r.lastModifiedAt}||${r.seq}`).toString("base64");
function decodeCursor(cursor: string): number {
  const seq = Number(Buffer.from(cursor, "base64").toString("utf8").split("||")[1]);
  if (!Number.isInteger(seq)) throw new HttpError(400, "invalid_query_params", { message: "invalid cursor" });
  return seq;
}

// ---------------------------------------------------------------------------------------------------
// The sandbox

export type NangoSandbox = Awaited<ReturnType<typeof startNangoSandbox>>;

export async function startNangoSandbox(opts: NangoSandboxOptions) {
  const integrations = opts.integrations ?? DEFAULT_INTEGRATIONS;
  const seed = opts.seed ?? "atlas";
  const rateLimit = opts.rateLimitPerMinute ?? 200;
  const sessions = new Map<string, ConnectSession>();
  const connections = new Map<string, SandboxConnection>();
  const rateWindows = new Map<string, { startedAt: number; count: number }>();
  const webhooks: WebhookSent[] = [];
  let nextConnectionNumber = 1;
  let nextSeq = 1;
  let lastTick = 0;
  let webhookUrl = opts.webhookUrl;
  let baseUrl = ""; // set once listening

  /** Now, but strictly after the previous tick: modification times are then a total order. */
  const tick = () => {
    lastTick = Math.max(Date.now(), lastTick + 1);
    return new Date(lastTick).toISOString();
  };

  const integrationById = (key: string) => integrations.find((i) => i.uniqueKey === key);

  function connectionOr404(connectionId: string, providerConfigKey?: string | null): SandboxConnection {
    const connection = connections.get(connectionId);
    if (!connection || (providerConfigKey && connection.integration.uniqueKey !== providerConfigKey)) {
      throw new HttpError(404, "not_found", { message: `No connection matching the provided params of 'connection_id' and 'provider_config_key'` });
    }
    return connection;
  }

  function syncOf(connection: SandboxConnection, pick: { syncName?: string; model?: string } = {}): SyncState {
    const spec =
      connection.integration.syncs.find((s) => (pick.syncName ? s.name === pick.syncName : pick.model ? s.model === pick.model : true)) ?? null;
    if (!spec) throw new Error(`Integration ${connection.integration.uniqueKey} has no sync ${pick.syncName ?? pick.model}`);
    return connection.syncs.get(spec.name)!;
  }

  async function sendWebhook(payload: Record<string, unknown>): Promise<WebhookSent> {
    const signed = signWebhook(payload, opts.webhookSigningKey);
    const result = await deliverWebhook(webhookUrl, signed, { retries: opts.webhookRetries ?? 2 });
    const sent = { ...result, payload };
    webhooks.push(sent);
    return sent;
  }

  // --- views --------------------------------------------------------------------------------------

  const publicConnection = (c: SandboxConnection) => ({
    id: c.id,
    connection_id: c.connectionId,
    provider_config_key: c.integration.uniqueKey,
    provider: c.integration.provider,
    created: c.createdAt,
    metadata: c.metadata,
    errors: c.errors,
    end_user: c.endUser,
    tags: c.tags,
  });

  const fullConnection = (c: SandboxConnection) => {
    const { created, ...rest } = publicConnection(c);
    return {
      ...rest,
      created_at: created,
      updated_at: c.updatedAt,
      last_fetched_at: new Date().toISOString(),
      connection_config: {},
      webhook_url_override: null,
      credentials: {
        type: "OAUTH2",
        access_token: c.accessToken,
        expires_at: new Date(Date.now() + 3600_000).toISOString(),
        raw: { access_token: c.accessToken, token_type: "bearer", scope: "sandbox" },
      },
    };
  };

  const publicIntegration = (i: SandboxIntegration) => ({
    unique_key: i.uniqueKey,
    provider: i.provider,
    display_name: i.displayName,
    logo: `${baseUrl}/images/template-logos/${i.provider}.svg`,
    forward_webhooks: false,
    created_at: "2026-01-01T00:00:00.000Z",
    updated_at: "2026-01-01T00:00:00.000Z",
  });

  // --- behaviour shared by HTTP routes and control functions -------------------------------------

  function newSession(input: {
    end_user?: z.infer<typeof endUserSchema>;
    organization?: z.infer<typeof organizationSchema>;
    tags?: Record<string, string>;
    allowed_integrations?: string[];
    reconnect?: ConnectSession["reconnect"];
  }): ConnectSession {
    for (const key of input.allowed_integrations ?? []) {
      if (!integrationById(key)) throw new HttpError(400, "invalid_body", { message: `Integration ${key} does not exist` });
    }
    const session: ConnectSession = {
      token: `nango_connect_session_${randomBytes(32).toString("hex")}`,
      endUser: input.end_user
        ? {
            id: input.end_user.id,
            email: input.end_user.email ?? null,
            display_name: input.end_user.display_name ?? null,
            tags: lowercaseKeys(input.end_user.tags),
            organization: input.organization ? { id: input.organization.id, display_name: input.organization.display_name ?? null } : null,
          }
        : null,
      tags: lowercaseKeys(input.tags),
      allowedIntegrations: input.allowed_integrations ?? null,
      expiresAt: new Date(Date.now() + 30 * 60_000),
      reconnect: input.reconnect ?? null,
    };
    sessions.set(session.token, session);
    return session;
  }

  const sessionReply = (s: ConnectSession) =>
    ok(
      {
        data: {
          token: s.token,
          connect_link: `${opts.publicUrl ?? baseUrl}/connect/?session_token=${s.token}`,
          expires_at: s.expiresAt.toISOString(),
        },
      },
      201,
    );

  /** Connection tags as Nango derives them from the end user and organization, plus explicit tags. */
  function connectionTags(endUser: EndUser | null, explicit: Record<string, string>): Record<string, string> {
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

  function authWebhookPayload(c: SandboxConnection, operation: "creation" | "override" | "refresh", error?: { type: string; description: string }) {
    return {
      authMode: "OAUTH2",
      connectionId: c.connectionId,
      ...(c.endUser
        ? {
            endUser: {
              endUserId: c.endUser.id,
              endUserEmail: c.endUser.email,
              ...(c.endUser.organization ? { organizationId: c.endUser.organization.id } : {}),
              tags: c.endUser.tags,
            },
          }
        : {}),
      environment: "dev",
      from: "nango",
      operation,
      provider: c.integration.provider,
      providerConfigKey: c.integration.uniqueKey,
      success: !error,
      ...(error ? { error } : {}),
      tags: c.tags,
      type: "auth",
    };
  }

  /** What the Connect UI's Authorize button does: create (or re-authorize) the connection, send the webhook. */
  async function authorize(token: string, integrationId?: string) {
    const session = sessions.get(token);
    if (!session || session.expiresAt.getTime() < Date.now()) throw new HttpError(401, "unauthorized", { message: "Invalid or expired connect session" });
    if (session.reconnect) {
      const c = connectionOr404(session.reconnect.connectionId);
      c.updatedAt = tick();
      c.errors = [];
      c.accessToken = `sandbox_${randomBytes(16).toString("hex")}`;
      sessions.delete(token);
      const webhook = await sendWebhook(authWebhookPayload(c, "override"));
      return { providerConfigKey: c.integration.uniqueKey, connectionId: c.connectionId, webhook };
    }
    const key = integrationId ?? session.allowedIntegrations?.[0];
    const integration = key ? integrationById(key) : undefined;
    if (!integration || (session.allowedIntegrations && !session.allowedIntegrations.includes(integration.uniqueKey))) {
      throw new HttpError(400, "invalid_body", { message: `Integration ${key ?? "(none)"} is not allowed by this session` });
    }
    const now = tick();
    const c: SandboxConnection = {
      id: nextConnectionNumber++,
      connectionId: randomUUID(),
      integration,
      createdAt: now,
      updatedAt: now,
      metadata: null,
      endUser: session.endUser,
      tags: connectionTags(session.endUser, session.tags),
      errors: [],
      accessToken: `sandbox_${randomBytes(16).toString("hex")}`,
      syncs: new Map(
        integration.syncs.map((s) => [
          s.name,
          { id: randomUUID(), name: s.name, model: s.model, status: "SUCCESS", runs: 0, triggers: 0, finishedAt: null, latestResult: null },
        ]),
      ),
      records: new Map(),
      generated: new Map(),
    };
    connections.set(c.connectionId, c);
    sessions.delete(token); // a session creates one connection
    const webhook = await sendWebhook(authWebhookPayload(c, "creation"));
    return { providerConfigKey: integration.uniqueKey, connectionId: c.connectionId, webhook };
  }

  /**
   * Registers a connection that exists in Atlas's database but not in this (in-memory) sandbox, as after a
   * restart or for the demo data; no webhook is sent. Already known: left as it is.
   */
  function adoptConnection(input: {
    connectionId: string;
    integrationId: string;
    endUser?: { id: string; email?: string | null };
    tags?: Record<string, string>;
    paused?: boolean;
  }) {
    if (connections.has(input.connectionId)) return false;
    const integration = integrationById(input.integrationId);
    if (!integration) throw new Error(`Integration ${input.integrationId} does not exist`);
    const now = tick();
    const endUser: EndUser | null = input.endUser
      ? { id: input.endUser.id, email: input.endUser.email ?? null, display_name: null, tags: {}, organization: null }
      : null;
    connections.set(input.connectionId, {
      id: nextConnectionNumber++,
      connectionId: input.connectionId,
      integration,
      createdAt: now,
      updatedAt: now,
      metadata: null,
      endUser,
      tags: connectionTags(endUser, lowercaseKeys(input.tags)),
      errors: [],
      accessToken: `sandbox_${randomBytes(16).toString("hex")}`,
      syncs: new Map(
        integration.syncs.map((s) => [
          s.name,
          { id: randomUUID(), name: s.name, model: s.model, status: input.paused ? "PAUSED" : "SUCCESS", runs: 0, triggers: 0, finishedAt: null, latestResult: null },
        ]),
      ),
      records: new Map(),
      generated: new Map(),
    });
    return true;
  }

  /** Runs one sync: adds, edits and deletes records of the sync's model, then sends the sync webhook. */
  async function simulateSync(connectionId: string, changes: SyncChanges = {}) {
    const c = connectionOr404(connectionId);
    const sync = syncOf(c, changes);
    if (sync.status === "PAUSED") throw new Error(`Sync ${sync.name} of ${connectionId} is paused`);
    const model = sync.model;
    const records = c.records.get(model) ?? new Map<string, StoredRecord>();
    c.records.set(model, records);
    const modifiedAfter = tick();
    const result = { added: 0, updated: 0, deleted: 0 };
    const touched = { added: [] as string[], updated: [] as string[], deleted: [] as string[] };

    // Edits and deletions take the oldest live records, edits first, never the same record twice.
    const live = [...records.values()].filter((r) => !r.deletedAt).sort((a, b) => a.n - b.n);
    const toUpdate = live.slice(0, changes.updated ?? 0);
    const toDelete = live.slice(toUpdate.length, toUpdate.length + (changes.deleted ?? 0));
    for (const r of toUpdate) {
      const at = tick();
      r.version += 1;
      r.data = generateRecord({ seed, provider: c.integration.provider, model, n: r.n, version: r.version, at });
      Object.assign(r, { lastModifiedAt: at, lastAction: "UPDATED", seq: nextSeq++ });
      result.updated++;
      touched.updated.push(r.data.id);
    }
    for (const r of toDelete) {
      const at = tick();
      Object.assign(r, { lastModifiedAt: at, lastAction: "DELETED", deletedAt: at, seq: nextSeq++ });
      result.deleted++;
      touched.deleted.push(r.data.id);
    }
    for (let i = 0; i < (changes.added ?? 0); i++) {
      const n = (c.generated.get(model) ?? 0) + 1;
      c.generated.set(model, n);
      const at = tick();
      const data = generateRecord({ seed, provider: c.integration.provider, model, n, version: 0, at });
      records.set(data.id, { n, version: 0, data, firstSeenAt: at, lastModifiedAt: at, lastAction: "ADDED", deletedAt: null, seq: nextSeq++ });
      result.added++;
      touched.added.push(data.id);
    }

    sync.runs += 1;
    sync.status = "SUCCESS";
    sync.finishedAt = tick();
    sync.latestResult = { [model]: result };
    const webhook = await sendWebhook({
      connectionId: c.connectionId,
      from: "nango",
      model,
      modifiedAfter,
      providerConfigKey: c.integration.uniqueKey,
      queryTimeStamp: modifiedAfter,
      responseResults: result,
      success: true,
      syncName: sync.name,
      syncType: sync.runs === 1 ? "INITIAL" : "INCREMENTAL",
      syncVariant: "base",
      type: "sync",
    });
    return { model, syncName: sync.name, modifiedAfter, responseResults: result, records: touched, webhook };
  }

  async function failSync(connectionId: string, opts2: { syncName?: string; model?: string; type?: string; description?: string } = {}) {
    const c = connectionOr404(connectionId);
    const sync = syncOf(c, opts2);
    const startedAt = tick();
    const failedAt = tick();
    sync.runs += 1;
    sync.status = "ERROR";
    sync.finishedAt = failedAt;
    const webhook = await sendWebhook({
      connectionId: c.connectionId,
      error: { type: opts2.type ?? "script_error", description: opts2.description ?? `The ${sync.name} sync failed: upstream API returned 502` },
      failedAt,
      from: "nango",
      model: sync.model,
      providerConfigKey: c.integration.uniqueKey,
      startedAt,
      success: false,
      syncName: sync.name,
      syncType: sync.runs === 1 ? "INITIAL" : "INCREMENTAL",
      syncVariant: "base",
      type: "sync",
    });
    return { webhook };
  }

  /** The provider refused the refresh token: Nango marks the connection and sends the refresh-failure webhook. */
  async function expireConnection(connectionId: string, description = "The refresh token was revoked by the user or expired") {
    const c = connectionOr404(connectionId);
    c.errors = [{ type: "auth", log_id: randomUUID() }];
    const webhook = await sendWebhook(authWebhookPayload(c, "refresh", { type: "refresh_token_external_error", description }));
    return { webhook };
  }

  /** A provider webhook forwarded by Nango (type "forward", `from` = provider name). */
  async function forwardWebhook(connectionId: string, payload: unknown) {
    const c = connectionOr404(connectionId);
    const webhook = await sendWebhook({
      connectionId: c.connectionId,
      from: c.integration.provider,
      payload,
      providerConfigKey: c.integration.uniqueKey,
      type: "forward",
    });
    return { webhook };
  }

  /** Creates a connection as if a user went through Connect UI with a session of these properties. */
  async function connect(input: {
    integrationId: string;
    endUser?: { id: string; email?: string; display_name?: string; tags?: Record<string, string> };
    organization?: { id: string; display_name?: string };
    tags?: Record<string, string>;
  }) {
    const session = newSession({ end_user: input.endUser, organization: input.organization, tags: input.tags, allowed_integrations: [input.integrationId] });
    return authorize(session.token, input.integrationId);
  }

  function syncStatus(c: SandboxConnection, names: Set<string> | "*") {
    return [...c.syncs.values()]
      .filter((s) => names === "*" || names.has(s.name))
      .map((s) => ({
        id: s.id,
        connection_id: c.connectionId,
        name: s.name,
        variant: "base",
        status: s.status,
        type: s.runs > 1 ? "INCREMENTAL" : "INITIAL",
        frequency: "every hour",
        finishedAt: s.finishedAt,
        nextScheduledSyncAt: s.status === "PAUSED" ? null : new Date(Date.now() + 3600_000).toISOString(),
        latestResult: s.latestResult,
        recordCount: { [s.model]: [...(c.records.get(s.model)?.values() ?? [])].filter((r) => !r.deletedAt).length },
        checkpoint: null,
      }));
  }

  /** Applies a sync command to the named syncs of one connection, or of every connection of the integration. */
  function syncCommand(body: z.infer<typeof syncCommandSchema>, apply: (s: SyncState) => void) {
    const integration = integrationById(body.provider_config_key);
    if (!integration) throw new HttpError(400, "unknown_provider_config", { message: `Integration ${body.provider_config_key} does not exist` });
    const names = body.syncs.map((s) => (typeof s === "string" ? s : s.name).split("::")[0]!);
    const unknown = names.filter((n) => !integration.syncs.some((s) => s.name === n));
    if (unknown.length) throw new HttpError(400, "unknown_sync", { message: `Unknown sync(s): ${unknown.join(", ")}` });
    const targets = body.connection_id
      ? [connectionOr404(body.connection_id, body.provider_config_key)]
      : [...connections.values()].filter((c) => c.integration.uniqueKey === integration.uniqueKey);
    for (const c of targets) for (const name of names) apply(c.syncs.get(name)!);
    return ok({ success: true });
  }

  // --- routes -------------------------------------------------------------------------------------

  const routes: Route[] = [
    {
      method: "GET",
      path: /^\/connect\/?$/,
      auth: "none",
      handle: () => ({ status: 200, html: connectUiHtml() }),
    },
    {
      method: "POST",
      path: /^\/connect\/sessions$/,
      auth: "secret",
      handle: ({ body }) => sessionReply(newSession(parse(postSessionSchema, body, "invalid_body"))),
    },
    {
      method: "POST",
      path: /^\/connect\/sessions\/reconnect$/,
      auth: "secret",
      handle: ({ body }) => {
        const input = parse(reconnectSchema, body, "invalid_body");
        const c = connections.get(input.connection_id);
        if (!c || c.integration.uniqueKey !== input.integration_id) {
          throw new HttpError(400, "invalid_body", { message: "ConnectionID or IntegrationId does not exists" });
        }
        const session = newSession({
          end_user: input.end_user ?? (c.endUser ? { id: c.endUser.id, email: c.endUser.email ?? undefined, display_name: c.endUser.display_name ?? undefined } : undefined),
          organization: input.organization,
          tags: input.tags,
          allowed_integrations: [input.integration_id],
          reconnect: { connectionId: c.connectionId, integrationId: input.integration_id },
        });
        return sessionReply(session);
      },
    },
    {
      method: "GET",
      path: /^\/connect\/session$/,
      auth: "session",
      handle: ({ session }) =>
        ok({
          data: {
            allowed_integrations: session!.allowedIntegrations ?? undefined,
            endUser: session!.endUser,
            tags: session!.tags,
            isReconnecting: session!.reconnect !== null,
            connectUISettings: { theme: { light: { primary: "#111827" }, dark: { primary: "#f9fafb" } }, showWatermark: false },
          },
        }),
    },
    {
      method: "GET",
      path: /^\/integrations\/?$/,
      auth: "either",
      handle: () => ok({ data: integrations.map(publicIntegration) }),
    },
    {
      method: "GET",
      path: /^\/connections\/?$/,
      auth: "secret",
      handle: ({ url }) => {
        const q = url.searchParams;
        const integrationIds = q.get("integrationId")?.split(",").filter(Boolean);
        const tagFilters = [...q.entries()].flatMap(([k, v]) => {
          const m = /^tags\[(.+)\]$/.exec(k);
          return m ? [[m[1]!.toLowerCase(), v] as const] : [];
        });
        const search = q.get("search")?.toLowerCase();
        let list = [...connections.values()].filter(
          (c) =>
            (!q.get("connectionId") || c.connectionId === q.get("connectionId")) &&
            (!q.get("endUserId") || c.endUser?.id === q.get("endUserId")) &&
            (!q.get("endUserOrganizationId") || c.endUser?.organization?.id === q.get("endUserOrganizationId")) &&
            (!integrationIds || integrationIds.includes(c.integration.uniqueKey)) &&
            tagFilters.every(([k, v]) => c.tags[k] === v) &&
            (!search || c.connectionId.toLowerCase().includes(search)),
        );
        const limit = Number(q.get("limit") ?? 1000);
        const page = Number(q.get("page") ?? 0);
        list = list.slice(page * limit, page * limit + limit);
        return ok({ connections: list.map(publicConnection) });
      },
    },
    {
      method: "POST",
      path: /^\/connections\/metadata$/,
      auth: "secret",
      handle: ({ body }) => metadataCommand(body, (c, m) => (c.metadata = { ...m })),
    },
    {
      method: "PATCH",
      path: /^\/connections\/metadata$/,
      auth: "secret",
      handle: ({ body }) => metadataCommand(body, (c, m) => (c.metadata = { ...(c.metadata ?? {}), ...m })),
    },
    {
      method: "GET",
      path: /^\/connections\/([^/]+)$/,
      auth: "secret",
      handle: ({ url, params }) => {
        const pck = url.searchParams.get("provider_config_key");
        if (!pck) throw new HttpError(400, "invalid_query_params", { message: "provider_config_key is required" });
        return ok(fullConnection(connectionOr404(decodeURIComponent(params[0]!), pck)));
      },
    },
    {
      method: "DELETE",
      path: /^\/connections\/([^/]+)$/,
      auth: "secret",
      handle: ({ url, params }) => {
        const pck = url.searchParams.get("provider_config_key");
        if (!pck) throw new HttpError(400, "invalid_query_params", { message: "provider_config_key is required" });
        const c = connectionOr404(decodeURIComponent(params[0]!), pck);
        connections.delete(c.connectionId); // its records and syncs go with it
        return ok({ success: true });
      },
    },
    {
      method: "PATCH",
      path: /^\/connections\/([^/]+)$/,
      auth: "secret",
      handle: ({ url, params, body }) => {
        const c = connectionOr404(decodeURIComponent(params[0]!), url.searchParams.get("provider_config_key"));
        const input = parse(patchConnectionSchema, body, "invalid_body");
        if (input.end_user) {
          c.endUser = {
            id: input.end_user.id,
            email: input.end_user.email ?? null,
            display_name: input.end_user.display_name ?? null,
            tags: lowercaseKeys(input.end_user.tags),
            organization: c.endUser?.organization ?? null,
          };
        }
        if (input.tags) c.tags = lowercaseKeys(input.tags);
        c.updatedAt = tick();
        return ok({ success: true });
      },
    },
    {
      method: "GET",
      path: /^\/records\/?$/,
      auth: "secret",
      handle: ({ req, url }) => {
        const connectionId = req.headers["connection-id"];
        const pck = req.headers["provider-config-key"];
        if (typeof connectionId !== "string" || !connectionId || typeof pck !== "string" || !pck) {
          throw new HttpError(400, "invalid_headers", {
            errors: [
              ...(typeof connectionId === "string" && connectionId ? [] : [{ code: "invalid_type", message: "Connection-Id is required", path: ["connection-id"] }]),
              ...(typeof pck === "string" && pck ? [] : [{ code: "invalid_type", message: "Provider-Config-Key is required", path: ["provider-config-key"] }]),
            ],
          });
        }
        const query = parse(recordsQuerySchema, Object.fromEntries(url.searchParams), "invalid_query_params");
        const c = connections.get(connectionId);
        if (!c || c.integration.uniqueKey !== pck) throw new HttpError(400, "unknown_connection", { message: "Connection not found" });
        const afterSeq = query.cursor ? decodeCursor(query.cursor) : 0;
        const actions = query.filter ? new Set(query.filter.toUpperCase().split(",")) : null;
        const ids = url.searchParams.getAll("ids");
        const modifiedAfter = query.modified_after ? Date.parse(query.modified_after) : null;
        const matching = [...(c.records.get(query.model)?.values() ?? [])]
          .filter(
            (r) =>
              r.seq > afterSeq &&
              (modifiedAfter === null || Date.parse(r.lastModifiedAt) >= modifiedAfter) &&
              (!actions || actions.has(r.lastAction)) &&
              (ids.length === 0 || ids.includes(r.data.id)),
          )
          .sort((a, b) => a.seq - b.seq);
        const page = matching.slice(0, query.limit);
        return ok({
          records: page.map((r) => ({
            ...r.data,
            _nango_metadata: {
              first_seen_at: r.firstSeenAt,
              last_modified_at: r.lastModifiedAt,
              last_action: r.lastAction,
              deleted_at: r.deletedAt,
              pruned_at: null,
              cursor: encodeCursor(r),
            },
          })),
          next_cursor: matching.length > page.length ? encodeCursor(page[page.length - 1]!) : null,
        });
      },
    },
    {
      method: "POST",
      path: /^\/sync\/trigger$/,
      auth: "secret",
      handle: ({ body }) =>
        syncCommand(parse(syncCommandSchema, body, "invalid_body"), (s) => {
          // A triggered run is "running" until the sandbox is told how it ends (simulateSync / failSync).
          s.triggers += 1;
          if (s.status !== "PAUSED") s.status = "RUNNING";
        }),
    },
    {
      method: "POST",
      path: /^\/sync\/start$/,
      auth: "secret",
      handle: ({ body }) =>
        syncCommand(parse(syncCommandSchema, body, "invalid_body"), (s) => {
          if (s.status === "PAUSED") s.status = "SUCCESS";
        }),
    },
    {
      method: "POST",
      path: /^\/sync\/pause$/,
      auth: "secret",
      handle: ({ body }) => syncCommand(parse(syncCommandSchema, body, "invalid_body"), (s) => (s.status = "PAUSED")),
    },
    {
      method: "GET",
      path: /^\/sync\/status$/,
      auth: "secret",
      handle: ({ url }) => {
        const q = url.searchParams;
        const pck = q.get("provider_config_key");
        const syncs = q.get("syncs");
        if (!pck || !syncs) throw new HttpError(400, "invalid_query_params", { message: "syncs and provider_config_key are required" });
        const names = syncs === "*" ? "*" : new Set(syncs.split(",").map((s) => s.split("::")[0]!));
        const targets = q.get("connection_id")
          ? [connectionOr404(q.get("connection_id")!, pck)]
          : [...connections.values()].filter((c) => c.integration.uniqueKey === pck);
        return ok({ syncs: targets.flatMap((c) => syncStatus(c, names)) });
      },
    },
    // --- sandbox control (not Nango's protocol) ---
    {
      method: "POST",
      path: /^\/_sandbox\/connect\/authorize$/,
      auth: "session",
      handle: async ({ session, body }) => {
        const integrationId = (body as { integration_id?: string } | null)?.integration_id;
        const { providerConfigKey, connectionId, webhook } = await authorize(session!.token, integrationId);
        return ok({ providerConfigKey, connectionId, webhookStatus: webhook.status });
      },
    },
    {
      method: "POST",
      path: /^\/_sandbox\/connections\/([^/]+)\/(sync|fail-sync|expire)$/,
      auth: "secret",
      handle: async ({ params, body }) => {
        const connectionId = decodeURIComponent(params[0]!);
        connectionOr404(connectionId);
        const input = (body ?? {}) as SyncChanges & { description?: string };
        try {
          const done =
            params[1] === "sync"
              ? await simulateSync(connectionId, input)
              : params[1] === "fail-sync"
                ? await failSync(connectionId, input)
                : await expireConnection(connectionId, input.description);
          return ok({ ...done, webhook: { payload: done.webhook.payload, status: done.webhook.status } });
        } catch (err) {
          throw new HttpError(409, "conflict", { message: String(err instanceof Error ? err.message : err) });
        }
      },
    },
  ];

  function metadataCommand(body: unknown, apply: (c: SandboxConnection, metadata: Record<string, unknown>) => void): Reply {
    const input = parse(metadataSchema, body, "invalid_body");
    const ids = Array.isArray(input.connection_id) ? input.connection_id : [input.connection_id];
    const targets = ids.map((id) => {
      const c = connections.get(id);
      if (!c || c.integration.uniqueKey !== input.provider_config_key) throw new HttpError(404, "unknown_connection", { message: `Connection ${id} not found` });
      return c;
    });
    for (const c of targets) apply(c, input.metadata);
    return ok(input);
  }

  // --- request pipeline ---------------------------------------------------------------------------

  /** Fixed one-minute windows per key, with Nango's headers. */
  function rateLimitHeaders(key: string): { headers: Record<string, string>; limited: boolean } {
    const now = Date.now();
    let window = rateWindows.get(key);
    if (!window || now - window.startedAt >= 60_000) {
      window = { startedAt: now, count: 0 };
      rateWindows.set(key, window);
    }
    window.count += 1;
    const resetInSeconds = Math.max(1, Math.ceil((window.startedAt + 60_000 - now) / 1000));
    const limited = window.count > rateLimit;
    return {
      limited,
      headers: {
        "X-RateLimit-Limit": String(rateLimit),
        "X-RateLimit-Remaining": String(Math.max(0, rateLimit - window.count)),
        "X-RateLimit-Reset": String(Math.ceil((window.startedAt + 60_000) / 1000)),
        ...(limited ? { "Retry-After": String(resetInSeconds) } : {}),
      },
    };
  }

  async function readBody(req: http.IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    if (!text) return undefined;
    try {
      return JSON.parse(text);
    } catch {
      throw new HttpError(400, "invalid_body", { message: "Body is not valid JSON" });
    }
  }

  async function route(req: http.IncomingMessage): Promise<Reply> {
    const url = new URL(req.url ?? "/", "http://sandbox");
    const candidates = routes.filter((r) => r.path.test(url.pathname));
    const match = candidates.find((r) => r.method === req.method);
    if (!match) {
      if (candidates.length) throw new HttpError(405, "method_not_allowed");
      throw new HttpError(404, "not_found", { message: `Unknown route ${req.method} ${url.pathname}` });
    }
    const params = match.path.exec(url.pathname)!.slice(1);

    let session: ConnectSession | null = null;
    let rateHeaders: Record<string, string> = {};
    if (match.auth !== "none") {
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
      const isSecret = bearer === opts.secretKey;
      const s = bearer ? sessions.get(bearer) : undefined;
      const liveSession = s && s.expiresAt.getTime() > Date.now() ? s : undefined;
      const allowed =
        (match.auth === "secret" && isSecret) ||
        (match.auth === "session" && liveSession) ||
        (match.auth === "either" && (isSecret || liveSession));
      if (!bearer || !allowed) throw new HttpError(401, "unauthorized", { message: "The secret key or session token is missing or invalid" });
      session = liveSession ?? null;
      const rate = rateLimitHeaders(bearer);
      rateHeaders = rate.headers;
      if (rate.limited) throw Object.assign(new HttpError(429, "too_many_request"), { headers: rateHeaders });
    }
    const body = req.method === "GET" || req.method === "DELETE" ? undefined : await readBody(req);
    const reply = await match.handle({ req, url, params, body, session });
    return { ...reply, headers: { ...rateHeaders, ...reply.headers } };
  }

  const server = http.createServer((req, res) => {
    const cors = {
      "Access-Control-Allow-Origin": "*",
      "Access-Control-Allow-Methods": "GET,POST,PATCH,PUT,DELETE,OPTIONS",
      // Echo what the browser asks for: "*" does not cover Authorization.
      "Access-Control-Allow-Headers": req.headers["access-control-request-headers"] ?? "Authorization,Content-Type,Connection-Id,Provider-Config-Key",
      "Access-Control-Expose-Headers": "X-RateLimit-Limit,X-RateLimit-Remaining,X-RateLimit-Reset,Retry-After",
    };
    if (req.method === "OPTIONS") {
      res.writeHead(204, cors).end();
      return;
    }
    route(req)
      .catch((err: unknown): Reply => {
        if (err instanceof HttpError) {
          const headers = (err as HttpError & { headers?: Record<string, string> }).headers;
          return { status: err.status, body: { error: { code: err.code, ...err.extra } }, headers };
        }
        console.error("[nango sandbox]", err);
        return { status: 500, body: { error: { code: "server_error", message: String(err) } } };
      })
      .then((reply) => {
        if (reply.html !== undefined) {
          res.writeHead(reply.status, { ...cors, ...reply.headers, "Content-Type": "text/html; charset=utf-8" }).end(reply.html);
        } else {
          res.writeHead(reply.status, { ...cors, ...reply.headers, "Content-Type": "application/json" }).end(JSON.stringify(reply.body ?? {}));
        }
      });
  });

  const host = opts.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://${host}:${port}`;

  return {
    url: baseUrl,
    /** For openConnectUI({ baseURL: connectUiUrl, apiURL: url }). */
    connectUiUrl: `${opts.publicUrl ?? baseUrl}/connect`,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
    /** Where webhooks go from now on (tests may start the app's receiver after the sandbox). */
    setWebhookUrl: (url: string | undefined) => void (webhookUrl = url),
    /** Every webhook built so far, oldest first, with its signed body/headers and delivery status. */
    webhooks,
    connect,
    adoptConnection,
    /** What clicking "Authorize" in the Connect UI does for this session token. */
    authorizeSession: (token: string, integrationId?: string) => authorize(token, integrationId),
    simulateSync,
    failSync,
    expireConnection,
    forwardWebhook,
    /** Test helpers: inspect state. */
    getConnectionIds: () => [...connections.keys()],
    hasSession: (token: string) => sessions.has(token),
    syncStatusOf: (connectionId: string) => syncStatus(connectionOr404(connectionId), "*"),
  };
}
