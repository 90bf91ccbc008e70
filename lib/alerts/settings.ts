// Per-organization alert settings: how many failed syncs in a row raise an alert, and after how many Atlas
// pauses the connection itself (off unless an admin sets it). No row means the defaults.
import { z } from "zod";
import { recordAudit } from "@/lib/audit/record";
import { prisma } from "@/lib/db/client";
import type { Scope } from "@/lib/data/scope";
import { ForbiddenError } from "@/lib/errors";

export const DEFAULT_SETTINGS = { failureStreak: 3, autoPauseAfter: null as number | null };
export type AlertSettingsValue = typeof DEFAULT_SETTINGS;

export const alertSettingsSchema = z.object({
  failureStreak: z.coerce.number().int().min(1, "At least 1 failed sync").max(100),
  // Empty (or 0) turns auto-pause off.
  autoPauseAfter: z.preprocess((v) => (v === "" || v === "0" || v === 0 || v == null ? null : v), z.coerce.number().int().min(1).max(100).nullable()),
});

export async function alertSettingsOf(organizationId: string): Promise<AlertSettingsValue> {
  const row = await prisma.alertSettings.findUnique({ where: { organizationId } });
  return row ? { failureStreak: row.failureStreak, autoPauseAfter: row.autoPauseAfter } : { ...DEFAULT_SETTINGS };
}

export async function saveAlertSettings(scope: Scope, input: z.input<typeof alertSettingsSchema>): Promise<AlertSettingsValue> {
  if (scope.role !== "ADMIN") throw new ForbiddenError("Only administrators can change alert settings.");
  const next = alertSettingsSchema.parse(input);
  return prisma.$transaction(async (tx) => {
    const before = await tx.alertSettings.findUnique({ where: { organizationId: scope.organizationId } });
    await tx.alertSettings.upsert({ where: { organizationId: scope.organizationId }, create: { organizationId: scope.organizationId, ...next }, update: next });
    await recordAudit(tx, {
      organizationId: scope.organizationId,
      action: "alerts.settings_changed",
      target: { type: "alertSettings", id: scope.organizationId, label: "Alert settings" },
      before: before ? { failureStreak: before.failureStreak, autoPauseAfter: before.autoPauseAfter } : DEFAULT_SETTINGS,
      after: next,
    });
    return next;
  });
}
