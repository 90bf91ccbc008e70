// The overview's operations line: stalled sync jobs and paused connections the viewer can see, counted
// with the same rules as the badges and filters (lib/ops/stalled.ts, metadata.syncsPausedAt).
import { prisma } from "@/lib/db/client";
import { connectionsVisibleTo, syncJobsVisibleTo, type Scope } from "@/lib/data/scope";
import { stalledWhere } from "./stalled";

export async function opsSummary(scope: Scope, now: Date = new Date()) {
  const [stalled, paused, autoPaused] = await Promise.all([
    prisma.syncJob.count({ where: { ...syncJobsVisibleTo(scope), ...stalledWhere(now) } }),
    prisma.connection.count({ where: { ...connectionsVisibleTo(scope), metadata: { path: ["syncsPausedAt"], string_contains: "" } } }),
    prisma.connection.count({ where: { ...connectionsVisibleTo(scope), metadata: { path: ["syncsPausedReason"], string_contains: "" } } }),
  ]);
  return { stalled, paused, autoPaused };
}
