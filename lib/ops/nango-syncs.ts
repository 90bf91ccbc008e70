// A connection's Nango syncs as Nango reports them (GET /sync/status): name, models, frequency, last and
// next run, status. Each can be paused and resumed on its own (POST /sync/pause, /sync/start for that one
// name); the connection-wide pause stays lib/nango/connections.ts pauseSyncs.
import { connectionTarget, recordAudit } from "@/lib/audit/record";
import { prisma } from "@/lib/db/client";
import type { Scope } from "@/lib/data/scope";
import { NotFoundError } from "@/lib/errors";
import { nangoClient } from "@/lib/nango/client";
import { visibleConnection } from "@/lib/nango/connections";
import { integrationOf, providerConfig } from "@/lib/nango/providers";

export type NangoSyncRow = {
  name: string;
  models: string[];
  frequency: string;
  status: "RUNNING" | "SUCCESS" | "ERROR" | "PAUSED" | "STOPPED";
  lastRunAt: string | null;
  nextRunAt: string | null;
  records: number;
};

export async function connectionSyncs(scope: Scope, connectionRowId: string): Promise<NangoSyncRow[]> {
  const c = await visibleConnection(scope, connectionRowId);
  const { syncs } = await nangoClient().syncStatus(integrationOf(c), "*", c.connectionId);
  const models = providerConfig(c.provider).models;
  return syncs.map((s) => {
    const counted = Object.keys(s.recordCount ?? {});
    return {
      name: s.name,
      models: counted.length ? counted : models,
      frequency: s.frequency,
      status: s.status,
      lastRunAt: s.finishedAt ?? null,
      nextRunAt: s.status === "PAUSED" || s.status === "STOPPED" ? null : (s.nextScheduledSyncAt ?? null),
      records: Object.values(s.recordCount ?? {}).reduce((a, n) => a + n, 0),
    };
  });
}

/** Pauses or resumes one of the connection's syncs in Nango; audited with the sync's name. */
export async function setSyncPaused(scope: Scope, connectionRowId: string, syncName: string, paused: boolean): Promise<void> {
  const c = await visibleConnection(scope, connectionRowId);
  const known = await connectionSyncs(scope, connectionRowId);
  if (!known.some((s) => s.name === syncName)) throw new NotFoundError(`This connection has no sync named "${syncName}".`);
  const nango = nangoClient();
  if (paused) await nango.pauseSync(integrationOf(c), [syncName], c.connectionId);
  else await nango.startSync(integrationOf(c), [syncName], c.connectionId);
  await recordAudit(prisma, {
    organizationId: c.organizationId,
    action: paused ? "connection.sync_paused" : "connection.sync_resumed",
    target: connectionTarget(c),
    details: { sync: syncName },
  });
}
