// GET /records (packages/server/lib/controllers/records/getRecords.ts): strict query validation,
// modified_after an ISO datetime in UTC ("Z" only, zod's datetime() without offsets) within 365 days,
// headers Connection-Id / Provider-Config-Key, unknown connection 400, invalid cursor 500.
import type { GetPublicRecords } from "@nangohq/types";
import { z } from "zod";
import { apiError, parseOr } from "../errors";
import { newApp, queryOf, type Auth } from "../http";
import { listRecords } from "../record-store";
import type { Store } from "../state";

const withinLookback = z.iso.datetime().refine((v) => new Date(v) >= new Date(Date.now() - 365 * 24 * 60 * 60 * 1000), { message: "must be within the last 12 months" });
const ACTIONS = ["added", "updated", "deleted", "ADDED", "UPDATED", "DELETED"] as const;

const querySchema = z
  .object({
    model: z.string().regex(/^[A-Z][a-zA-Z0-9_-]+$/).max(255),
    variant: z.string().regex(/^[a-zA-Z0-9_-]+$/).max(255).optional(),
    delta: withinLookback.optional(),
    modified_after: withinLookback.optional(),
    limit: z.coerce.number().min(1).max(10000).default(100),
    filter: z
      .string()
      .transform((v) => v.split(","))
      .pipe(z.array(z.enum(ACTIONS)))
      .transform((v) => v.join(","))
      .optional(),
    cursor: z.string().min(1).max(1000).optional(),
    ids: z
      .union([z.string().min(1).max(256), z.array(z.string().min(1).max(256)).max(100)])
      .transform((v) => (Array.isArray(v) ? v : [v]))
      .optional(),
  })
  .strict();
const headersSchema = z
  .object({
    "connection-id": z.string().regex(/^[a-zA-Z0-9,.;:=+~[\]|@${}"'\\/_ -]+$/).max(255),
    "provider-config-key": z.string().regex(/^[a-zA-Z0-9~:.@ _-]+$/).max(255),
  })
  .strict();

export function recordRoutes(store: Store, auth: Auth) {
  const app = newApp();
  app.get("/records", auth("secret"), (c) => {
    const query = parseOr(querySchema, queryOf(c), "invalid_query_params");
    const headers = parseOr(headersSchema, { "connection-id": c.req.header("connection-id"), "provider-config-key": c.req.header("provider-config-key") }, "invalid_headers");
    const conn = store.connections.get(headers["connection-id"]);
    if (!conn || conn.integration.uniqueKey !== headers["provider-config-key"]) {
      throw apiError(400, "unknown_connection", "Provided ConnectionId and ProviderConfigKey does not match a valid connection");
    }
    const model = query.variant && query.variant !== "base" ? `${query.model}::${query.variant}` : query.model;
    const page = listRecords(conn.records.get(model)?.values() ?? [], {
      limit: query.limit,
      cursor: query.cursor,
      modifiedAfter: query.delta ?? query.modified_after,
      filter: query.filter,
      ids: query.ids,
    });
    // The records store refuses the cursor ("invalid_cursor_value"); the controller turns every store error into a 500.
    if (page === "invalid_cursor_value") throw apiError(500, "server_error", "Failed to fetch records");
    const body: GetPublicRecords["Success"] = page;
    return c.json(body);
  });
  return app;
}
