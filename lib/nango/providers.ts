// Each provider's effective Nango integration, syncs and models: the provider table's defaults, overridden
// by NANGO_INTEGRATION_<P>, NANGO_SYNCS_<P> and NANGO_MODELS_<P> (parsed in lib/env.ts).
import "server-only";
import type { Provider } from "@/lib/db/client";
import { readConnectionMetadata } from "@/lib/data/connection-metadata";
import { getEnv, type Env } from "@/lib/env";
import { ALL_PROVIDERS, PROVIDER_TABLE, type ProviderSpec } from "./provider-table";

export { ALL_PROVIDERS, PROVIDER_TABLE, providerNamed } from "./provider-table";

export type ProviderConfig = ProviderSpec & { provider: Provider };

/** The provider's effective configuration: the table's defaults, overridden by the environment. */
export function providerConfig(provider: Provider, env: Env = getEnv()): ProviderConfig {
  const spec = PROVIDER_TABLE[provider];
  return {
    provider,
    label: spec.label,
    integrationId: env[`NANGO_INTEGRATION_${provider}`] ?? spec.integrationId,
    syncs: env[`NANGO_SYNCS_${provider}`] ?? spec.syncs,
    models: env[`NANGO_MODELS_${provider}`] ?? spec.models,
  };
}

export const integrationIdFor = (provider: Provider, env: Env = getEnv()) => providerConfig(provider, env).integrationId;

/** The Atlas provider behind a Nango integration id (a webhook's providerConfigKey), or null if none. */
export function providerForIntegration(integrationId: string, env: Env = getEnv()): Provider | null {
  return ALL_PROVIDERS.find((p) => providerConfig(p, env).integrationId === integrationId) ?? null;
}

/** The integration a connection was made with (recorded by its auth webhook), else today's mapping. */
export function integrationOf(connection: { provider: Provider; metadata: unknown }, env: Env = getEnv()): string {
  return readConnectionMetadata(connection.metadata).integrationId || integrationIdFor(connection.provider, env);
}
