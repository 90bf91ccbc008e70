// Shared set-up for ingestion tests: both sandboxes in-process on port 0, the SDKs pointed at them through
// the same environment variables production uses, a pg-boss schema of the test file's own (files run in
// parallel on one database, and must not work on each other's jobs), and connections created the way
// production creates them: Nango's signed auth webhook through the webhook route and inbox.
import { randomUUID } from "node:crypto";
import type { ZepClient } from "@getzep/zep-cloud";
import { newZepClient } from "@/lib/zep";
import { prisma } from "@/lib/db/client";
import { createOrg, createUser } from "@/lib/test/factory";
import { deliverWebhook } from "@/lib/test/webhooks";
import { startNangoSandbox, type NangoSandbox } from "@/sandbox/nango";
import { startZepSandbox, type ZepSandbox } from "@/sandbox/zep";

export const NANGO_SECRET = "sk-ingest-test";
export const NANGO_SIGNING = "whsec-ingest-test";
export const ZEP_KEY = "zep-ingest-test";

export type Harness = {
  nango: NangoSandbox;
  zep: ZepSandbox;
  zepClient: ZepClient;
  schema: string;
  /** Environment a child worker process needs to reach the same database, queue and sandboxes. */
  env: Record<string, string>;
  stop(): Promise<void>;
};

export async function startHarness(): Promise<Harness> {
  const nango = await startNangoSandbox({ secretKey: NANGO_SECRET, webhookSigningKey: NANGO_SIGNING, rateLimitPerMinute: 1_000_000 });
  const zep = await startZepSandbox({ apiKey: ZEP_KEY, processingMs: 1 });
  const schema = `pgboss_test_${randomUUID().replace(/-/g, "").slice(0, 12)}`;
  const env = {
    NANGO_HOST: nango.url,
    NANGO_SECRET_KEY: NANGO_SECRET,
    NANGO_WEBHOOK_SIGNING_KEY: NANGO_SIGNING,
    ZEP_API_KEY: ZEP_KEY,
    ZEP_BASE_URL: zep.url,
    ATLAS_QUEUE_SCHEMA: schema,
    // Never fire cron schedules in tests: retention over the shared test database would touch other files' rows.
    ATLAS_QUEUE_SCHEDULES: "0",
  };
  Object.assign(process.env, env);
  return {
    nango,
    zep,
    zepClient: newZepClient({ apiKey: ZEP_KEY, baseUrl: zep.url }),
    schema,
    env: { ...env, DATABASE_URL: process.env.DATABASE_URL! },
    async stop() {
      await nango.stop();
      await zep.stop();
      await prisma.$executeRawUnsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
    },
  };
}

/** An organization with a user whose connection (created by the auth webhook) feeds `projectId`. */
export async function connectedUser(
  h: Harness,
  opts: { integrationId?: string; projectId?: string; role?: "ADMIN" | "MEMBER"; org?: { id: string; name: string } } = {},
) {
  const org = opts.org ?? (await createOrg());
  const user = await createUser(org.id, { name: "Ada", role: opts.role });
  const created = await h.nango.connect({
    integrationId: opts.integrationId ?? "github",
    endUser: { id: user.id, email: user.email, display_name: "Ada" },
    organization: { id: org.id, display_name: org.name },
    tags: { organization_id: org.id, ...(opts.projectId ? { project_id: opts.projectId } : {}) },
  });
  const res = await deliverWebhook(created.webhook);
  if (res.status !== 200) throw new Error(`auth webhook answered ${res.status}: ${JSON.stringify(res.body)}`);
  const connection = await prisma.connection.findUniqueOrThrow({ where: { connectionId: created.connectionId } });
  const scope = { organizationId: org.id, userId: user.id, role: user.role };
  return { org, user, connection, scope, nangoConnectionId: created.connectionId };
}

/** Runs a sync in the Nango sandbox and delivers its webhook; returns the SyncJob it created. */
export async function syncAndDeliver(h: Harness, nangoConnectionId: string, changes: { added?: number; updated?: number; deleted?: number }) {
  const run = await h.nango.simulateSync(nangoConnectionId, changes);
  const res = await deliverWebhook(run.webhook);
  if (res.status !== 200) throw new Error(`sync webhook answered ${res.status}`);
  const job = await prisma.syncJob.findFirstOrThrow({
    where: { connection: { connectionId: nangoConnectionId }, modifiedAfter: new Date(run.modifiedAfter) },
  });
  return { run, job };
}

/** Polls until `check` returns a value (not undefined/false), or fails after `timeoutMs` with the last state. */
export async function waitFor<T>(check: () => Promise<T | undefined | false>, what: string, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function waitForStatus(syncJobId: string, statuses: string[], timeoutMs = 60_000) {
  return waitFor(async () => {
    const job = await prisma.syncJob.findUniqueOrThrow({ where: { id: syncJobId } });
    return statuses.includes(job.status) ? job : undefined;
  }, `sync job ${syncJobId} to become ${statuses.join(" or ")}`, timeoutMs);
}

/** Episode keys of a graph that occur more than once (must always be empty). */
export function duplicateKeys(h: Harness, graphId: string): string[] {
  const seen = new Map<string, number>();
  for (const e of h.zep.episodes(graphId)) {
    const key = String(e.metadata?.episodeKey);
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  return [...seen].filter(([, n]) => n > 1).map(([k]) => k);
}
