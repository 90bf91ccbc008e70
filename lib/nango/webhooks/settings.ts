// Settings of the webhook inbox, from the one configuration module (lib/env.ts documents each variable).
import { getEnv, type Env } from "@/lib/env";

export type WebhookSettings = {
  /** The current key and, during a rotation, the previous one: Nango signs with the old key for a while. */
  signingKeys: string[];
  forgedPerMinute: number;
  applyConcurrency: number;
  pollMs: number;
  syncRequestPatienceMinutes: number;
};

export function webhookSettings(env: Env = getEnv()): WebhookSettings {
  const keys = [env.NANGO_WEBHOOK_SIGNING_KEY, env.NANGO_WEBHOOK_PREVIOUS_SIGNING_KEY].filter((k): k is string => !!k);
  return {
    signingKeys: [...new Set(keys)],
    forgedPerMinute: env.ATLAS_WEBHOOK_FORGED_PER_MINUTE,
    applyConcurrency: env.ATLAS_WEBHOOK_APPLY_CONCURRENCY,
    pollMs: env.ATLAS_WEBHOOK_POLL_MS,
    syncRequestPatienceMinutes: env.ATLAS_SYNC_REQUEST_PATIENCE_MINUTES,
  };
}
