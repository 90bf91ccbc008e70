// Sandbox mode's stand-ins for Nango and Zep, started next to the app by `npm start` and the end-to-end
// tests. The app reaches them only through the same environment variables it would use for the real
// services, so nothing in the app's code paths knows it is talking to a sandbox.
import pg from "pg";
import type { Provider } from "@/lib/db/client";
import { parseEnv } from "@/lib/env";
import { integrationOf } from "@/lib/nango/providers";
import { projectKeyOf } from "@/lib/data/connection-metadata";
import { startNangoSandbox } from "../../sandbox/nango";
import { startZepSandbox } from "../../sandbox/zep";
import type { Env } from "./run";

export const SANDBOX_KEYS = {
  nangoSecret: "nango-sandbox-secret",
  nangoSigning: "nango-sandbox-signing-key",
  zepApiKey: "zep-sandbox-key",
};

export type Sandboxes = { env: Env; nangoUrl: string; zepUrl: string; stop: () => Promise<void> };

type Options = { appUrl: string; databaseUrl: string; nangoPort: number; zepPort: number; portHint: string };

export async function startSandboxes({ appUrl, databaseUrl, nangoPort, zepPort, portHint }: Options): Promise<Sandboxes> {
  const nango = await startNangoSandbox({
    port: nangoPort,
    host: "127.0.0.1",
    secretKey: SANDBOX_KEYS.nangoSecret,
    webhookSigningKey: SANDBOX_KEYS.nangoSigning,
    webhookUrl: `${appUrl}/api/webhooks/nango`,
    // Demo clicking is fast; Nango's 200/min would make the sandbox refuse a busy newcomer.
    rateLimitPerMinute: 2_000,
  }).catch((err) => {
    throw new Error(`The Nango sandbox could not listen on port ${nangoPort} (${String(err)}); ${portHint}`);
  });
  const zep = await startZepSandbox({ port: zepPort, apiKey: SANDBOX_KEYS.zepApiKey }).catch(async (err) => {
    await nango.stop();
    throw new Error(`The Zep sandbox could not listen on port ${zepPort} (${String(err)}); ${portHint}`);
  });
  const adopted = await adoptKnownConnections(databaseUrl, nango.adoptConnection);
  console.log(`Sandboxes: Nango ${nango.url} (${adopted} connections from the database), Zep ${zep.url}`);
  return {
    nangoUrl: nango.url,
    zepUrl: zep.url,
    env: {
      NANGO_HOST: nango.url,
      NANGO_CONNECT_UI_URL: nango.connectUiUrl,
      NANGO_SECRET_KEY: SANDBOX_KEYS.nangoSecret,
      NANGO_WEBHOOK_SIGNING_KEY: SANDBOX_KEYS.nangoSigning,
      ZEP_API_KEY: SANDBOX_KEYS.zepApiKey,
      ZEP_BASE_URL: zep.url, // already ends in /api/v2
    },
    stop: async () => {
      await Promise.allSettled([nango.stop(), zep.stop()]);
    },
  };
}

/**
 * The sandbox keeps its state in memory; the database outlives it. Every connection Atlas knows (the demo
 * data, or what was connected before a restart) is registered so that sync, pause and disconnect work on it.
 */
async function adoptKnownConnections(
  databaseUrl: string,
  adopt: (c: { connectionId: string; integrationId: string; endUser: { id: string; email: string }; tags: Record<string, string>; paused: boolean }) => boolean,
): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ connectionId: string; provider: string; metadata: Record<string, unknown> | null; userId: string; email: string; organizationId: string }>(
      `SELECT c."connectionId", c.provider::text AS provider, c.metadata, c."userId", u.email, c."organizationId"
         FROM "Connection" c JOIN "User" u ON u.id = c."userId"`,
    );
    // The app's configuration as the app will see it (this process may have no DATABASE_URL of its own).
    const appEnv = parseEnv({ ...process.env, DATABASE_URL: databaseUrl }, { server: false });
    let adopted = 0;
    let failed: string | undefined;
    for (const row of rows) {
      const connection = { provider: row.provider as Provider, metadata: row.metadata };
      try {
        const added = adopt({
          connectionId: row.connectionId,
          integrationId: integrationOf(connection, appEnv),
          endUser: { id: row.userId, email: row.email },
          tags: { organization_id: row.organizationId, project_id: projectKeyOf(connection) },
          paused: Boolean(row.metadata?.syncsPausedAt),
        });
        if (added) adopted++;
      } catch (err) {
        // An integration the sandbox does not offer (a renamed NANGO_INTEGRATION_*): that connection stays
        // unknown to it. Said once, so that a sandbox knowing none of the demo connections is never silent.
        failed ??= `${row.connectionId}: ${err instanceof Error ? err.message : String(err)}`;
      }
    }
    if (failed) console.warn(`Nango sandbox: ${rows.length - adopted} connection(s) of the database not adopted (first: ${failed})`);
    return adopted;
  } finally {
    await client.end();
  }
}
