// Nango's webhooks (auth, sync, forward): checked and stored here, applied by the inbox worker.
// All logic lives in lib/nango/webhooks.
import { acceptNangoWebhook } from "@/lib/nango/webhooks";
import { API_HEADERS } from "@/lib/security-headers";

// The signature check uses node:crypto over the exact raw bytes.
export const runtime = "nodejs";

export async function POST(req: Request): Promise<Response> {
  const { status, body, headers } = await acceptNangoWebhook(req);
  const json = JSON.stringify(body);
  // With its length, an answer this small stays below Next's compression threshold: gzip took 7% of the route's CPU.
  return new Response(json, {
    status,
    headers: { ...API_HEADERS, ...headers, "content-type": "application/json", "content-length": String(Buffer.byteLength(json)) },
  });
}
