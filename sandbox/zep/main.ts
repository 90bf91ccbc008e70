/**
 * Run the Zep sandbox on its own for local development:
 *   ZEP_SANDBOX_PORT=4011 ZEP_API_KEY=dev npx tsx sandbox/zep/main.ts
 * then point the app at it with ZEP_BASE_URL=http://127.0.0.1:4011/api/v2 and the same ZEP_API_KEY.
 * Faults: curl -X POST localhost:4011/_sandbox/faults -d '{"status":429,"retryAfterSeconds":2,"times":3}'
 */
import { startZepSandbox } from "./server";

const sandbox = await startZepSandbox({
  port: Number(process.env.ZEP_SANDBOX_PORT ?? 4011),
  apiKey: process.env.ZEP_API_KEY ?? "dev",
});
console.log(`Zep sandbox listening at ${sandbox.url}`);
const stop = () => void sandbox.stop().then(() => process.exit(0));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
