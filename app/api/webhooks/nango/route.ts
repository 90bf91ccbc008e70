// Nango's webhooks (auth, sync, forward). All logic lives in lib/nango/webhooks.ts.
import { handleNangoWebhook } from "@/lib/nango/webhooks";

// The SDK's signature check uses node:crypto, and the raw body must reach it unchanged.
export const runtime = "nodejs";

export async function POST(req: Request): Promise<Response> {
  // A plain object, not Headers: the SDK looks the signature header up with Object.keys (nango.md §1).
  const { status, body } = await handleNangoWebhook(await req.text(), Object.fromEntries(req.headers));
  return Response.json(body, { status });
}
