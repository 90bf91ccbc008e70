// Which Nango integration, syncs and models stand behind each Atlas provider, and its label. Data, not code:
// adding a provider is a row here (plus the Provider enum value); the typed Record makes the compiler ask
// for the row. These are defaults: integration ids and sync/model names are chosen per Nango environment,
// so lib/nango/providers.ts applies the environment's overrides. Client-safe: browser components read labels.
import type { Provider } from "@/lib/db/client";

export type ProviderSpec = {
  label: string;
  /** Default Nango integration id (providerConfigKey). Env: NANGO_INTEGRATION_<PROVIDER>. */
  integrationId: string;
  /** Syncs Atlas triggers/pauses. Env: NANGO_SYNCS_<PROVIDER>, comma-separated. */
  syncs: string[];
  /** Models Atlas reads with listRecords. Env: NANGO_MODELS_<PROVIDER>, comma-separated. */
  models: string[];
};

export const PROVIDER_TABLE: Record<Provider, ProviderSpec> = {
  GITHUB: { label: "GitHub", integrationId: "github", syncs: ["issues"], models: ["Issue"] },
  NOTION: { label: "Notion", integrationId: "notion", syncs: ["content-metadata"], models: ["ContentMetadata"] },
  JIRA: { label: "Jira", integrationId: "jira", syncs: ["issues"], models: ["Issue"] },
  SLACK: { label: "Slack", integrationId: "slack", syncs: ["messages-received"], models: ["Message"] },
  LINEAR: { label: "Linear", integrationId: "linear", syncs: ["issues"], models: ["LinearIssue"] },
};

export const ALL_PROVIDERS = Object.keys(PROVIDER_TABLE) as Provider[];

/** The provider named in any case ("github", "GitHub"), or null. */
export const providerNamed = (name: string): Provider | null => ALL_PROVIDERS.find((p) => p === name.toUpperCase()) ?? null;
