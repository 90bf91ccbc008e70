// Bulk actions for admins: retry every failed job the sync-history filters select, and reconnect links for
// every expired connection of a provider (a list to copy, or one email per owner when SMTP is set).
import { recordAudit } from "@/lib/audit/record";
import { prisma, type Provider } from "@/lib/db/client";
import type { Scope } from "@/lib/data/scope";
import { accountNameOf } from "@/lib/data/connection-metadata";
import { syncHistoryWhere, type SyncFilters } from "@/lib/dashboard/sync-history";
import { ForbiddenError } from "@/lib/errors";
import { isResumable, retrySyncJob } from "@/lib/ingest/sync-job";
import { log } from "@/lib/log";
import { createReconnectSession } from "@/lib/nango/connections";
import { sendMail, smtpConfigured } from "@/lib/alerts/mail";

/** At most this many jobs per click: the action stays within a request's time. */
export const BULK_LIMIT = 200;

function admin(scope: Scope) {
  if (scope.role !== "ADMIN") throw new ForbiddenError("Only administrators can run bulk actions.");
}

export type BulkRetryResult = { retried: number; notResumable: number; errors: number; more: boolean };

/** Every FAILED job matching the filters (whatever status they name) goes back on the queue, like Retry does. */
export async function retryFailedMatching(scope: Scope, filters: Omit<SyncFilters, "cursor">): Promise<BulkRetryResult> {
  admin(scope);
  const jobs = await prisma.syncJob.findMany({
    where: syncHistoryWhere(scope, { ...filters, status: "FAILED" }),
    orderBy: [{ startedAt: "desc" }, { id: "desc" }],
    take: BULK_LIMIT + 1,
    select: { id: true, cursor: true, modifiedAfter: true },
  });
  const batch = jobs.slice(0, BULK_LIMIT);
  const result: BulkRetryResult = { retried: 0, notResumable: 0, errors: 0, more: jobs.length > BULK_LIMIT };
  for (const job of batch) {
    if (!isResumable(job)) {
      result.notResumable++;
      continue;
    }
    try {
      await retrySyncJob(scope, job.id); // audited one by one as sync.retried
      result.retried++;
    } catch (err) {
      result.errors++;
      log.warn({ err, syncJobId: job.id }, "bulk retry: one job was not retried");
    }
  }
  await recordAudit(prisma, { organizationId: scope.organizationId, action: "sync.bulk_retried", target: { type: "syncJob", label: `${result.retried} failed jobs` }, details: { filters, ...result } });
  return result;
}

export type ReconnectLink = { connectionId: string; accountName: string | null; owner: { name: string | null; email: string }; link: string; expiresAt: string };

/**
 * A reconnect link for every EXPIRED connection of the provider (each valid as long as Nango's session, 30
 * minutes). With `email`, each owner is mailed their own links; without SMTP the list is for copying.
 */
export async function reconnectLinks(scope: Scope, provider: Provider, opts: { email?: boolean } = {}): Promise<{ links: ReconnectLink[]; emailed: number; more: boolean }> {
  admin(scope);
  const expired = await prisma.connection.findMany({
    where: { organizationId: scope.organizationId, provider, status: "EXPIRED" },
    orderBy: { createdAt: "asc" },
    take: BULK_LIMIT + 1,
    select: { id: true, metadata: true, user: { select: { name: true, email: true } } },
  });
  const links: ReconnectLink[] = [];
  for (const c of expired.slice(0, BULK_LIMIT)) {
    const session = await createReconnectSession(scope, c.id);
    links.push({ connectionId: c.id, accountName: accountNameOf(c), owner: c.user, link: session.connectLink, expiresAt: session.expiresAt });
  }
  let emailed = 0;
  if (opts.email && links.length) {
    if (!smtpConfigured()) throw new ForbiddenError("Email is not configured (SMTP_URL); copy the links instead.");
    const byOwner = new Map<string, ReconnectLink[]>();
    for (const l of links) byOwner.set(l.owner.email, [...(byOwner.get(l.owner.email) ?? []), l]);
    for (const [email, own] of byOwner) {
      await sendMail({
        to: email,
        subject: `[Atlas] Reconnect your ${provider.charAt(0)}${provider.slice(1).toLowerCase()} account${own.length === 1 ? "" : "s"}`,
        text: `Atlas can no longer read ${own.length === 1 ? "one of your accounts" : `${own.length} of your accounts`}: the authorization expired. Open each link to reconnect (valid until ${own[0]!.expiresAt}):\n\n${own.map((l) => `${l.accountName ?? "account"}: ${l.link}`).join("\n")}\n`,
      });
      emailed++;
    }
  }
  await recordAudit(prisma, {
    organizationId: scope.organizationId,
    action: "connection.reconnect_links",
    target: { type: "connection", label: `${links.length} expired ${provider} connections` },
    details: { provider, connections: links.map((l) => l.connectionId), emailedOwners: emailed },
  });
  return { links, emailed, more: expired.length > BULK_LIMIT };
}
