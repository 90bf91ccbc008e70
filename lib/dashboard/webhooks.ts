// The admins' webhook log: what Nango sent, and what became of each delivery (waiting, applied, duplicate,
// ignored, rejected and why), newest first, and one delivery's payload. Requests refused at the door
// (unsigned, forged, oversized) are never stored: the page shows how many this process counted.
import "server-only";
import { z } from "zod";
import { prisma, type Prisma } from "@/lib/db/client";
import { accountNameOf } from "@/lib/data/connection-metadata";
import { webhookDeliveriesOf, type Scope } from "@/lib/data/scope";
import { forgedStats } from "@/lib/nango/webhooks";
import { cursorTime, decodeCursor, encodeCursor, filtersFrom, type SearchParams } from "./params";

export const WEBHOOK_PAGE_SIZE = 30;
const OUTCOMES = ["RECEIVED", "APPLIED", "DUPLICATE", "IGNORED", "REJECTED"] as const;

export const webhookFiltersSchema = z.object({
  outcome: z.enum(OUTCOMES).optional(),
  cursor: z.string().max(200).optional(),
});
export type WebhookFilters = z.infer<typeof webhookFiltersSchema>;

export const parseWebhookFilters = (params: SearchParams): WebhookFilters => filtersFrom(webhookFiltersSchema, params);

const cursorShape = z.object({ at: cursorTime, id: z.string() });

/** What a delivery was about, in a few words: "sync issues · 12 added", "auth creation", ... */
function summaryOf(payload: unknown): string | null {
  if (!payload || typeof payload !== "object") return null;
  const p = payload as Record<string, unknown>;
  if (p.type === "sync") {
    const r = p.responseResults as { added?: number; updated?: number; deleted?: number } | undefined;
    const counts = r ? ` · ${r.added ?? 0} added, ${r.updated ?? 0} updated, ${r.deleted ?? 0} deleted` : "";
    return `${String(p.syncName ?? "sync")} (${String(p.model ?? "?")})${p.success === false ? " failed" : counts}`;
  }
  if (p.type === "auth") return `${String(p.operation ?? "auth")}${p.success === false ? " failed" : ""} · ${String(p.providerConfigKey ?? "")}`;
  return typeof p.type === "string" ? p.type : null;
}

export async function listWebhookDeliveries(scope: Scope, filters: WebhookFilters) {
  const where: Prisma.WebhookDeliveryWhereInput[] = [webhookDeliveriesOf(scope)];
  if (filters.outcome) where.push({ outcome: filters.outcome });
  const cursor = decodeCursor(filters.cursor, cursorShape);
  if (cursor) {
    const at = new Date(cursor.at);
    where.push({ OR: [{ receivedAt: { lt: at } }, { receivedAt: at, id: { lt: cursor.id } }] });
  }
  const [rows, counts, unattributed] = await Promise.all([
    prisma.webhookDelivery.findMany({
      where: { AND: where },
      orderBy: [{ receivedAt: "desc" }, { id: "desc" }],
      take: WEBHOOK_PAGE_SIZE + 1,
      select: { id: true, receivedAt: true, type: true, connectionId: true, outcome: true, reason: true, payload: true, attempts: true, lastError: true, replayOf: true },
    }),
    prisma.webhookDelivery.groupBy({ by: ["outcome"], where: webhookDeliveriesOf(scope), _count: { _all: true } }),
    // Refused before anyone could tell whose they were: shown so that a misconfigured signing key is visible.
    prisma.webhookDelivery.findMany({
      where: { organizationId: null, outcome: "REJECTED" },
      orderBy: [{ receivedAt: "desc" }, { id: "desc" }],
      take: 5,
      select: { id: true, receivedAt: true, reason: true },
    }),
  ]);
  const page = rows.slice(0, WEBHOOK_PAGE_SIZE);
  const nangoIds = [...new Set(page.map((r) => r.connectionId).filter((id): id is string => Boolean(id)))];
  const connections = nangoIds.length
    ? await prisma.connection.findMany({
        where: { connectionId: { in: nangoIds }, organizationId: scope.organizationId },
        select: { id: true, connectionId: true, provider: true, metadata: true },
      })
    : [];
  const byNangoId = new Map(connections.map((c) => [c.connectionId, c]));
  const last = page[page.length - 1];
  return {
    rows: page.map(({ payload, ...r }) => {
      const connection = r.connectionId ? byNangoId.get(r.connectionId) : undefined;
      return {
        ...r,
        summary: summaryOf(payload),
        connection: connection
          ? { id: connection.id, provider: connection.provider, accountName: accountNameOf(connection) }
          : null,
      };
    }),
    nextCursor: rows.length > WEBHOOK_PAGE_SIZE && last ? encodeCursor({ at: last.receivedAt.toISOString(), id: last.id }) : null,
    counts: Object.fromEntries(OUTCOMES.map((o) => [o, counts.find((c) => c.outcome === o)?._count._all ?? 0])) as Record<(typeof OUTCOMES)[number], number>,
    unattributed,
    forged: forgedStats(),
  };
}

/** One delivery of the organization, with its payload as stored for display (null if not visible). */
export async function getWebhookDelivery(scope: Pick<Scope, "organizationId">, id: string) {
  const row = await prisma.webhookDelivery.findFirst({
    where: { id, ...webhookDeliveriesOf(scope) },
    select: {
      id: true,
      receivedAt: true,
      appliedAt: true,
      type: true,
      connectionId: true,
      outcome: true,
      reason: true,
      payload: true,
      bodyHash: true,
      attempts: true,
      lastError: true,
      retryAt: true,
      replayOf: true,
      rawBody: true,
    },
  });
  if (!row) return null;
  const { rawBody, ...rest } = row;
  const [connection, replays] = await Promise.all([
    row.connectionId
      ? prisma.connection.findFirst({ where: { connectionId: row.connectionId, organizationId: scope.organizationId }, select: { id: true, provider: true, metadata: true } })
      : null,
    prisma.webhookDelivery.findMany({
      where: { replayOf: row.id, ...webhookDeliveriesOf(scope) },
      orderBy: { seq: "asc" },
      select: { id: true, receivedAt: true, outcome: true, reason: true },
    }),
  ]);
  return {
    ...rest,
    summary: summaryOf(row.payload),
    bodyBytes: rawBody?.length ?? null,
    canReplay: rawBody !== null,
    connection: connection ? { id: connection.id, provider: connection.provider, accountName: accountNameOf(connection) } : null,
    replays,
  };
}
