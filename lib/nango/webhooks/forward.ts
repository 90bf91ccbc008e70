// Forward webhooks (a provider's own webhook passed through by Nango), async-action results and any type
// Atlas does not know: authentic, stored and shown, nothing to apply.
import "server-only";
import type { Applied } from "./schemas";

export function applyUnused(type: unknown): Applied {
  return { outcome: "IGNORED", reason: `webhook type ${JSON.stringify(type) ?? "(none)"} is not used by Atlas` };
}
