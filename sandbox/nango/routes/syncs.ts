// Sync commands and status (packages/server/lib/controllers/sync/, SyncManagerService.runSyncCommand and
// getSyncStatus in packages/shared/lib/services/sync/manager.service.ts). Errors: unknown integration 400
// unknown_provider_config, unknown connection 404 unknown_connection, a sync the connection does not have
// 400 no_syncs_found; sync status answers an unknown connection 400 invalid_body "Connection not found".
import type { GetPublicSyncStatus, PostPublicSyncPause, PostPublicSyncStart, PostPublicTrigger } from "@nangohq/types";
import { z } from "zod";
import { connectionOrUnknown } from "../auth-flows";
import { apiError, nangoError, parseOr } from "../errors";
import { jsonBody, newApp, queryOf, type Auth } from "../http";
import type { SandboxConnection, Store, SyncState } from "../state";
import { syncStatus, triggerRun, type Runs } from "../sync-runs";

const pck = z.string().regex(/^[a-zA-Z0-9~:.@ _-]+$/).max(255);
const connectionId = z.string().regex(/^[a-zA-Z0-9,.;:=+~[\]|@${}"'\\/_ -]+$/).max(255);
const triggerSchema = z
  .object({
    syncs: z.array(z.union([z.string(), z.object({ name: z.string(), variant: z.string() })])),
    sync_mode: z.enum(["incremental", "full_refresh", "full_refresh_and_clear_cache"]).optional(),
    full_resync: z.boolean().optional(),
    connection_id: z.string().optional(),
    provider_config_key: z.string().optional(),
    opts: z.object({ reset: z.boolean().optional(), emptyCache: z.boolean().optional() }).optional(),
  })
  .strict();
const pauseStartSchema = z.strictObject({
  syncs: z.array(z.union([z.string(), z.strictObject({ name: z.string(), variant: z.string() })])).max(256),
  provider_config_key: pck,
  connection_id: connectionId.optional(),
});
const statusSchema = z.strictObject({ syncs: z.string(), provider_config_key: pck, connection_id: connectionId.optional() });

type SyncId = { syncName: string; syncVariant: string };
const normalize = (syncs: (string | { name: string; variant: string })[]): SyncId[] =>
  syncs.map((s) => {
    if (typeof s !== "string") return { syncName: s.name, syncVariant: s.variant };
    const [name, variant] = s.includes("::") ? s.split("::") : [s, "base"];
    return { syncName: name ?? "", syncVariant: variant ?? "" };
  });

export function syncRoutes(store: Store, auth: Auth, runs: Runs) {
  const app = newApp();
  const secret = auth("secret");
  const findSync = (conn: SandboxConnection, id: SyncId) => (id.syncVariant === "base" ? conn.syncs.get(id.syncName) : undefined);

  /** runSyncCommand: applies in order, so syncs before an unknown one are already changed, as in Nango. */
  function runCommand(providerConfigKey: string, ids: SyncId[], connId: string | undefined, apply: (conn: SandboxConnection, s: SyncState) => void) {
    const integration = store.integrationById(providerConfigKey);
    if (!integration) throw nangoError("unknown_provider_config");
    if (connId) {
      const conn = connectionOrUnknown(store, connId, providerConfigKey);
      const targets = ids.length ? ids : [...conn.syncs.keys()].map((syncName) => ({ syncName, syncVariant: "base" }));
      for (const id of targets) {
        const sync = findSync(conn, id);
        if (!sync) throw nangoError("no_syncs_found");
        apply(conn, sync);
      }
      return;
    }
    const all = [...store.connections.values()]
      .filter((conn) => conn.integration === integration)
      .flatMap((conn) => [...conn.syncs.values()].filter((s) => !ids.length || ids.some((id) => findSync(conn, id) === s)).map((s) => [conn, s] as const));
    if (!all.length) throw nangoError("no_syncs_found");
    for (const [conn, s] of all) apply(conn, s);
  }

  app.post("/sync/trigger", secret, async (c) => {
    if (Object.keys(queryOf(c)).length) throw apiError(400, "invalid_query_params");
    const body = parseOr(triggerSchema, await jsonBody(c), "invalid_body");
    const providerConfigKey = body.provider_config_key || c.req.header("provider-config-key");
    if (!providerConfigKey) throw apiError(400, "missing_provider_config_key", "Missing provider_config_key. Provide it in the body or headers.");
    if (body.opts && (body.sync_mode || body.full_resync !== undefined)) {
      throw apiError(400, "invalid_body", "Cannot use opts with deprecated sync_mode/full_resync parameters");
    }
    // opts is the current API; sync_mode / full_resync the deprecated one (postTrigger.ts).
    const full = body.opts
      ? { reset: body.opts.reset ?? false, emptyCache: body.opts.emptyCache ?? false }
      : { reset: body.sync_mode ? body.sync_mode !== "incremental" : (body.full_resync ?? false), emptyCache: body.sync_mode === "full_refresh_and_clear_cache" };
    runCommand(providerConfigKey, normalize(body.syncs), body.connection_id || c.req.header("connection-id"), (conn, s) => triggerRun(store, runs, conn, s, full));
    const reply: PostPublicTrigger["Success"] = { success: true };
    return c.json(reply);
  });

  for (const [path, paused] of [["/sync/pause", true], ["/sync/start", false]] as const) {
    app.post(path, secret, async (c) => {
      const body = parseOr(pauseStartSchema, await jsonBody(c), "invalid_body");
      runCommand(body.provider_config_key, normalize(body.syncs), body.connection_id, (_, s) => void (s.paused = paused));
      const reply: PostPublicSyncPause["Success"] & PostPublicSyncStart["Success"] = { success: true };
      return c.json(reply);
    });
  }

  app.get("/sync/status", secret, (c) => {
    const q = parseOr(statusSchema, queryOf(c), "invalid_query_params");
    const names = q.syncs === "*" ? "*" : new Set(normalize(q.syncs.split(",")).filter((id) => id.syncVariant === "base").map((id) => id.syncName));
    let targets: SandboxConnection[];
    if (q.connection_id) {
      const conn = store.connections.get(q.connection_id);
      if (!conn || conn.integration.uniqueKey !== q.provider_config_key) throw apiError(400, "invalid_body", "Connection not found");
      targets = [conn];
    } else {
      targets = [...store.connections.values()].filter((conn) => conn.integration.uniqueKey === q.provider_config_key);
    }
    const reply: GetPublicSyncStatus["Success"] = { syncs: targets.flatMap((conn) => syncStatus(conn, names)) };
    return c.json(reply);
  });
  return app;
}
