// Runs the Nango sandbox on its own: `tsx sandbox/nango/cli.ts`. Meant to be started by scripts/atlas.ts
// in sandbox mode, next to `next dev`, with the same NANGO_* variables given to the app.
//   NANGO_SANDBOX_PORT         port to listen on (default 3003)
//   NANGO_SECRET_KEY           key the app sends (default "nango-sandbox-secret")
//   NANGO_WEBHOOK_SIGNING_KEY  key webhooks are signed with (default "nango-sandbox-signing-key")
//   NANGO_SANDBOX_WEBHOOK_URL  the app's webhook route (default http://localhost:3000/api/webhooks/nango)
import { startNangoSandbox } from "./server";

const SANDBOX_DEFAULTS = {
  port: 3003,
  secretKey: "nango-sandbox-secret",
  webhookSigningKey: "nango-sandbox-signing-key",
  webhookUrl: "http://localhost:3000/api/webhooks/nango",
};

const sandbox = await startNangoSandbox({
  port: Number(process.env.NANGO_SANDBOX_PORT ?? SANDBOX_DEFAULTS.port),
  host: "localhost",
  secretKey: process.env.NANGO_SECRET_KEY || SANDBOX_DEFAULTS.secretKey,
  webhookSigningKey: process.env.NANGO_WEBHOOK_SIGNING_KEY || SANDBOX_DEFAULTS.webhookSigningKey,
  webhookUrl: process.env.NANGO_SANDBOX_WEBHOOK_URL || SANDBOX_DEFAULTS.webhookUrl,
  // Nango's own retry delays (3 s, then 6 s) when the app answers 5xx or is down.
  webhookBackoffMs: 3000,
});
console.log(`Nango sandbox: ${sandbox.url}  (Connect UI ${sandbox.connectUiUrl}/)`);

const stop = () => void sandbox.stop().then(() => process.exit(0));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
