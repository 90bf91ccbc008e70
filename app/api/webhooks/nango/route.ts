// Nango's webhooks (auth, sync, forward). All logic lives in lib/nango/webhooks.ts.
import { handleNangoWebhook, readBodyWithin, rejectOversizedWebhook } from "@/lib/nango/webhooks";

// The SDK's signature check uses node:crypto, and the raw body must reach it unchanged.
export const runtime = "nodejs";

export async function POST(req: Request): Promise<Response> {
  const raw = await readBodyWithin(req);
  // A plain object, not Headers: the SDK looks the signature header up with Object.keys (nango.md §1).
  const { status, body } = raw === null ? await rejectOversizedWebhook() : await handleNangoWebhook(raw, Object.fromEntries(req.headers));
  return Response.json(body, { status });
}
