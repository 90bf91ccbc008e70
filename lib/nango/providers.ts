// Which Nango integration and syncs stand behind each Atlas provider. Data, not code: adding a provider is
// a row here (plus the Provider enum value); the typed Record makes the compiler ask for the row.
// Integration ids, sync names and model names are chosen per Nango environment (nango.md §4: ids are
// user-chosen, templates' model names churn), so each is overridable by environment variable.
import type { Provider } from "@/lib/db/client";

type ProviderSpec = {
  label: string;
  /** Default Nango integration id (providerConfigKey). Env: NANGO_INTEGRATION_<PROVIDER>. */
  integrationId: string;
  /** Syncs Atlas triggers/pauses. Env: NANGO_SYNCS_<PROVIDER>, comma-separated. */
  syncs: string[];
  /** Models Atlas reads with listRecords. Env: NANGO_MODELS_<PROVIDER>, comma-separated. */
  models: string[];
};

export const PROVIDERS: Record<Provider, ProviderSpec> = {
  GITHUB: { label: "GitHub", integrationId: "github", syncs: ["issues"], models: ["Issue"] },
  NOTION: { label: "Notion", integrationId: "notion", syncs: ["content-metadata"], models: ["ContentMetadata"] },
  JIRA: { label: "Jira", integrationId: "jira", syncs: ["issues"], models: ["Issue"] },
  SLACK: { label: "Slack", integrationId: "slack", syncs: ["messages-received"], models: ["Message"] },
  LINEAR: { label: "Linear", integrationId: "linear", syncs: ["issues"], models: ["LinearIssue"] },
};

export const ALL_PROVIDERS = Object.keys(PROVIDERS) as Provider[];

type Env = Record<string, string | undefined>;

const list = (raw: string | undefined) =>
  raw
    ?.split(",")
    .map((s) => s.trim())
    .filter(Boolean);

export type ProviderConfig = ProviderSpec & { provider: Provider };

/** The provider's effective configuration: defaults above, overridden by the environment. */
export function providerConfig(provider: Provider, env: Env = process.env): ProviderConfig {
  const spec = PROVIDERS[provider];
  return {
    provider,
    label: spec.label,
    integrationId: env[`NANGO_INTEGRATION_${provider}`]?.trim() || spec.integrationId,
    syncs: list(env[`NANGO_SYNCS_${provider}`])?.length ? list(env[`NANGO_SYNCS_${provider}`])! : spec.syncs,
    models: list(env[`NANGO_MODELS_${provider}`])?.length ? list(env[`NANGO_MODELS_${provider}`])! : spec.models,
  };
}

export const integrationIdFor = (provider: Provider, env: Env = process.env) => providerConfig(provider, env).integrationId;

/** The Atlas provider behind a Nango integration id (a webhook's providerConfigKey), or null if none. */
export function providerForIntegration(integrationId: string, env: Env = process.env): Provider | null {
  return ALL_PROVIDERS.find((p) => providerConfig(p, env).integrationId === integrationId) ?? null;
}

/** The integration a connection was made with (recorded by its auth webhook), else today's mapping. */
export function integrationOf(connection: { provider: Provider; metadata: unknown }, env: Env = process.env): string {
  const recorded = (connection.metadata as { integrationId?: unknown } | null)?.integrationId;
  return typeof recorded === "string" && recorded ? recorded : integrationIdFor(connection.provider, env);
}
