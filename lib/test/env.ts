// A parsed configuration for tests that pass one explicitly (lib functions take an Env, default getEnv()).
import { parseEnv, type Env } from "@/lib/env";

/** `vars` over a database URL that is never connected to: enough for code that only reads settings. */
export const testEnv = (vars: Record<string, string | undefined> = {}): Env =>
  parseEnv({ DATABASE_URL: "postgresql://localhost/atlas_settings_only", ...vars }, { server: false });
