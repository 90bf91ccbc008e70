// Connections (packages/server/lib/controllers/connection/): list, get, patch, delete, metadata.
// GET/PATCH of an unknown connection: 404 not_found; DELETE: 400 unknown_connection (deleteConnection.ts).
import type {
  DeletePublicConnection,
  GetPublicConnection,
  GetPublicConnections,
  PatchPublicConnection,
  SetMetadata,
  UpdateMetadata,
} from "@nangohq/types";
import type { Context } from "hono";
import { z } from "zod";
import { apiError, parseOr } from "../errors";
import { jsonBody, newApp, queryOf, type Auth } from "../http";
import { fullConnection, lowercaseKeys, publicConnection, type SandboxConnection, type Store } from "../state";

const TAG_KEY = /^[a-zA-Z][a-zA-Z0-9_\-./]*$/;
const tagsSchema = z.record(z.string().max(64).regex(TAG_KEY), z.string().max(255));
const metadataSchema = z.object({
  connection_id: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  provider_config_key: z.string().min(1),
  metadata: z.record(z.string(), z.unknown()),
});
const patchConnectionSchema = z
  .object({
    end_user: z.object({ id: z.string().min(1).max(255), email: z.email().optional(), display_name: z.string().max(255).optional(), tags: tagsSchema.optional() }).optional(),
    tags: tagsSchema.optional(),
    webhook_url_override: z.url().optional(),
  })
  .strict();
const pckQuerySchema = z.object({ provider_config_key: z.string().regex(/^[a-zA-Z0-9~:.@ _-]+$/).max(255) }).loose();

export function connectionRoutes(store: Store, auth: Auth) {
  const app = newApp();
  const secret = auth("secret");

  /** The connection of a GET/PATCH: unknown integration 400, unknown connection 404 not_found. */
  function connectionOr404(c: Context): SandboxConnection {
    const { provider_config_key: pck } = parseOr(pckQuerySchema, queryOf(c), "invalid_query_params");
    if (!store.integrationById(pck)) throw apiError(400, "unknown_provider_config", "Provider does not exists");
    const conn = store.connections.get(c.req.param("connectionId") ?? "");
    if (!conn || conn.integration.uniqueKey !== pck) throw apiError(404, "not_found", "Failed to find connection");
    return conn;
  }

  const list = (c: Context) => {
    const q = new URL(c.req.url).searchParams;
    const integrationIds = q.get("integrationId")?.split(",").filter(Boolean);
    const tagFilters = [...q.entries()].flatMap(([k, v]) => {
      const m = /^tags\[(.+)\]$/.exec(k);
      return m ? [[m[1]!.toLowerCase(), v] as const] : [];
    });
    const search = q.get("search")?.toLowerCase();
    const matching = [...store.connections.values()].filter(
      (conn) =>
        (!q.get("connectionId") || conn.connectionId === q.get("connectionId")) &&
        (!q.get("endUserId") || conn.endUser?.id === q.get("endUserId")) &&
        (!q.get("endUserOrganizationId") || conn.endUser?.organization?.id === q.get("endUserOrganizationId")) &&
        (!integrationIds || integrationIds.includes(conn.integration.uniqueKey)) &&
        tagFilters.every(([k, v]) => conn.tags[k] === v) &&
        (!search || conn.connectionId.toLowerCase().includes(search)),
    );
    const limit = Number(q.get("limit") ?? 1000);
    const page = Number(q.get("page") ?? 0);
    const body: GetPublicConnections["Success"] = { connections: matching.slice(page * limit, page * limit + limit).map(publicConnection) };
    return c.json(body);
  };
  app.get("/connections", secret, list);

  /** POST replaces, PATCH merges; every named connection must exist or nothing is changed. */
  const metadata = (status: 200 | 201, apply: (conn: SandboxConnection, m: Record<string, unknown>) => void) => async (c: Context) => {
    const input = parseOr(metadataSchema, await jsonBody(c), "invalid_body");
    const ids = Array.isArray(input.connection_id) ? input.connection_id : [input.connection_id];
    const targets = ids.map((id) => {
      const conn = store.connections.get(id);
      if (!conn || conn.integration.uniqueKey !== input.provider_config_key) {
        const base = `Connection with connection id ${id} and provider config key ${input.provider_config_key} not found. Please make sure the connection exists in the Nango dashboard`;
        throw apiError(404, "unknown_connection", ids.length > 1 ? `${base}. No actions were taken on any of the connections as a result of this failure.` : base);
      }
      return conn;
    });
    for (const conn of targets) apply(conn, input.metadata);
    const body: SetMetadata["Success"] & UpdateMetadata["Success"] = input;
    return c.json(body, status);
  };
  app.post("/connections/metadata", secret, metadata(201, (conn, m) => (conn.metadata = { ...m })));
  app.patch("/connections/metadata", secret, metadata(200, (conn, m) => (conn.metadata = { ...(conn.metadata ?? {}), ...m })));

  app.get("/connections/:connectionId", secret, (c) => {
    const body: GetPublicConnection["Success"] = fullConnection(connectionOr404(c));
    return c.json(body);
  });

  app.delete("/connections/:connectionId", secret, (c) => {
    const { provider_config_key: pck } = parseOr(pckQuerySchema, queryOf(c), "invalid_query_params");
    const conn = store.connections.get(c.req.param("connectionId"));
    // Nango answers an unknown connection here with 400, not 404 (deleteConnection.ts).
    if (!conn || conn.integration.uniqueKey !== pck) throw apiError(400, "unknown_connection");
    store.connections.delete(conn.connectionId); // its records and syncs go with it
    const body: DeletePublicConnection["Success"] = { success: true };
    return c.json(body);
  });

  app.patch("/connections/:connectionId", secret, async (c) => {
    const conn = connectionOr404(c);
    const input = parseOr(patchConnectionSchema, await jsonBody(c), "invalid_body");
    if (input.end_user) {
      conn.endUser = {
        id: input.end_user.id,
        email: input.end_user.email ?? null,
        display_name: input.end_user.display_name ?? null,
        tags: lowercaseKeys(input.end_user.tags),
        organization: conn.endUser?.organization ?? null,
      };
    }
    if (input.tags) conn.tags = lowercaseKeys(input.tags);
    conn.updatedAt = store.tick();
    const body: PatchPublicConnection["Success"] = { success: true };
    return c.json(body);
  });
  return app;
}
