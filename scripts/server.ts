// Atlas's web server in production (`npm run start:prod`, the end-to-end specs, the benches): Next's request
// handler on node:http, with Nango's webhooks answered first by lib/nango/webhooks/node.ts. Through Next's
// route a webhook cost more CPU in Next's per-request work than in its own (README, "Performance"); the route
// itself stays for `next dev`. Arguments as `next start`'s: --port (or PORT, default 3000), --hostname.
// Run with the react-server condition (`node --conditions=react-server --import tsx scripts/server.ts`), as
// the worker is: lib/ imports "server-only".
// SIGTERM/SIGINT: stops accepting connections, lets requests in progress finish, then exits.
import http from "node:http";
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { port: { type: "string", short: "p" }, hostname: { type: "string", short: "H" } }, strict: false });
const port = Number(values.port ?? process.env.PORT ?? 3000);
const hostname = typeof values.hostname === "string" ? values.hostname : undefined;
(process.env as Record<string, string>).NODE_ENV = "production"; // before Next loads: it reads it on import

const { default: next } = await import("next");
const app = next({ dev: false, dir: process.cwd(), hostname, port });
await app.prepare(); // runs instrumentation.ts (configuration check, workers) as `next start` does
const handle = app.getRequestHandler();
const { answerNangoWebhook, isNangoWebhook } = await import("@/lib/nango/webhooks/node");

const server = http.createServer((req, res) => {
  if (isNangoWebhook(req)) void answerNangoWebhook(req, res);
  else void handle(req, res);
});
server.listen(port, hostname, () => console.log(`Atlas ready on http://${hostname ?? "localhost"}:${port}`));

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    server.close(() => void app.close().finally(() => process.exit(0)));
    server.closeIdleConnections();
  });
}
