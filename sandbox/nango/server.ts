// A local stand-in for Nango's API (tests and the local sandbox mode). It speaks the wire protocol of
// @nangohq/node / @nangohq/frontend 0.71.10 and behaves as Nango's server source does (each module cites the
// file it follows), keeps its state in memory, and adds controls under /_sandbox/ (not part of Nango) to
// simulate what Nango would do on its own: finish a sync, fail a sync, fail a token refresh.
// One hono app per API area: routes/connect.ts, connections.ts, syncs.ts, records.ts, control.ts.
import { serve } from "@hono/node-server";
import type { NangoForwardWebhookBody } from "@nangohq/types";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { cors } from "hono/cors";
import * as flows from "./auth-flows";
import { apiError } from "./errors";
import { createAuth, newApp, onError } from "./http";
import { rotateSigningKey, sendWebhook } from "./outgoing";
import { connectRoutes } from "./routes/connect";
import { connectionRoutes } from "./routes/connections";
import { controlRoutes } from "./routes/control";
import { recordRoutes } from "./routes/records";
import { syncRoutes } from "./routes/syncs";
import { createStore, type NangoSandboxOptions } from "./state";
import { createRuns, failSync, simulateSync, syncStatus, type SyncChanges } from "./sync-runs";

export { DEFAULT_INTEGRATIONS } from "./state";
export type { NangoSandboxOptions, SandboxIntegration, SyncSpec, WebhookSettings } from "./state";
export type { SyncChanges } from "./sync-runs";
export type { WebhookSent } from "./webhooks";

export type NangoSandbox = Awaited<ReturnType<typeof startNangoSandbox>>;

export async function startNangoSandbox(opts: NangoSandboxOptions) {
  const store = createStore(opts);
  const runs = createRuns();
  const auth = createAuth(store);

  const forwardWebhook = async (connectionId: string, payload: unknown) => {
    const c = flows.connectionOrUnknown(store, connectionId);
    // `from` is the provider, not "nango" (packages/webhooks/lib/forward.ts).
    const body: NangoForwardWebhookBody = { from: c.integration.provider, type: "forward", connectionId: c.connectionId, providerConfigKey: c.integration.uniqueKey, payload };
    const webhook = await sendWebhook(store, body);
    return { webhook };
  };
  const controls = {
    authorize: (token: string, integrationId?: string) => flows.authorize(store, token, integrationId),
    failAuthorization: (token: string, error: { type?: string; description?: string } = {}, integrationId?: string) =>
      flows.failAuthorization(store, token, error, integrationId),
    simulateSync: (connectionId: string, changes: SyncChanges = {}) => simulateSync(store, connectionId, changes),
    failSync: (connectionId: string, input: { syncName?: string; model?: string; description?: string } = {}) => failSync(store, connectionId, input),
    expireConnection: (connectionId: string, description?: string) => flows.expireConnection(store, connectionId, description),
    forwardWebhook,
  };

  const app = newApp();
  app.use(
    "*",
    cors({
      origin: "*",
      allowMethods: ["GET", "POST", "PATCH", "PUT", "DELETE", "OPTIONS"],
      exposeHeaders: ["X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After"],
    }),
  );
  app.route("/", connectRoutes(store, auth));
  app.route("/", connectionRoutes(store, auth));
  app.route("/", syncRoutes(store, auth, runs));
  app.route("/", recordRoutes(store, auth));
  app.route("/", controlRoutes(auth, controls));
  app.notFound((c) => onError(apiError(404, "not_found", `Unknown route ${c.req.method} ${new URL(c.req.url).pathname}`), c));
  app.onError(onError);

  const host = opts.host ?? "127.0.0.1";
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: opts.port ?? 0, hostname: host }, () => resolve(s as Server)) as Server;
    s.once("error", reject);
  });
  const { port } = server.address() as AddressInfo;
  store.baseUrl = `http://${host}:${port}`;

  return {
    url: store.baseUrl,
    /** For openConnectUI({ baseURL: connectUiUrl, apiURL: url }). */
    connectUiUrl: `${opts.publicUrl ?? store.baseUrl}/connect`,
    stop: async () => {
      runs.cancel();
      await new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      });
    },
    /** Where webhooks go from now on (tests may start the app's receiver after the sandbox). */
    setWebhookUrl: (url: string | undefined) => void (store.webhookUrl = url),
    /** Every webhook built so far, oldest first, with its signed body/headers and delivery status. */
    webhooks: store.webhooks,
    connect: (input: Parameters<typeof flows.connect>[1]) => flows.connect(store, input),
    adoptConnection: (input: Parameters<typeof flows.adoptConnection>[1]) => flows.adoptConnection(store, input),
    /** What clicking "Authorize" in the Connect UI does for this session token. */
    authorizeSession: controls.authorize,
    /** The user's authorization fails at the provider (a reconnect session: an "override" failure). */
    failAuthorization: controls.failAuthorization,
    simulateSync: controls.simulateSync,
    failSync: controls.failSync,
    expireConnection: controls.expireConnection,
    forwardWebhook,
    /** Rotates the webhook signing key; Nango keeps signing with the old one for `signingKeyCacheMs`. */
    rotateSigningKey: (newKey: string) => rotateSigningKey(store, newKey),
    /** Resolves once every triggered ("Sync now") run has finished and sent its webhooks. */
    idle: () => runs.idle(),
    /** Finishes every triggered run at once (instead of after `triggeredRunMs`) and waits for its webhooks. */
    finishTriggeredRuns: () => runs.finishNow(),
    /** Test helpers: inspect state. */
    getConnectionIds: () => [...store.connections.keys()],
    hasSession: (token: string) => store.sessions.has(token),
    syncStatusOf: (connectionId: string) => syncStatus(flows.connectionOrUnknown(store, connectionId), "*"),
  };
}
