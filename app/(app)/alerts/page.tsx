import { Card, EmptyState } from "@/components/card";
import { DataTable } from "@/components/data-table";
import { RelativeTime } from "@/components/relative-time";
import { StatusBadge } from "@/components/status-badge";
import { AddChannelForm, AlertSettingsForm, ChannelActions } from "@/components/alert-forms";
import { CheckNowForm } from "@/components/check-now-form";
import { ReconnectLinksForm } from "@/components/bulk-actions";
import { providerName } from "@/components/provider-name";
import { ALL_PROVIDERS } from "@/lib/nango/providers";
import { getAdmin } from "@/lib/auth/viewer";
import { loadAlertsPage } from "@/lib/alerts/channels";
import { PROBLEM_LABEL, type ProblemKind } from "@/lib/alerts/problems";
import { alertSettingsOf } from "@/lib/alerts/settings";

export const metadata = { title: "Alerts" };

const KIND_LABEL = { SLACK: "Slack", WEBHOOK: "Webhook", EMAIL: "Email" } as const;
const LOG_COLUMNS = ["When", "Message", "Status", "Attempts", "Last error"].map((label) => ({ label }));

export default async function AlertsPage() {
  const viewer = await getAdmin();
  const [{ channels, problems, smtp }, settings] = await Promise.all([loadAlertsPage(viewer), alertSettingsOf(viewer.organizationId)]);
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold">Alerts</h1>
        <p className="text-sm text-slate-600">
          Where Atlas tells you about expired or failing connections, failed syncs in a row, stalled syncs and auto-pauses. One message when a
          problem starts, one when it is resolved. See <code>docs/alerts.md</code> for the webhook format and its signature.
        </p>
      </div>

      <Card title="Settings">
        <AlertSettingsForm failureStreak={settings.failureStreak} autoPauseAfter={settings.autoPauseAfter} />
      </Card>

      <Card title="Open problems">
        <div className="mb-3 flex flex-wrap items-start justify-between gap-2 text-sm text-slate-600">
          <p>Atlas looks for problems on a schedule; check now after fixing something.</p>
          <CheckNowForm />
        </div>
        {problems.length === 0 ? (
          <EmptyState title="No open problems" />
        ) : (
          <ul className="divide-y divide-slate-100 text-sm" data-testid="open-problems">
            {problems.map((p) => (
              <li key={p.id} className="py-2">
                <span className="font-medium">{PROBLEM_LABEL[p.kind as ProblemKind] ?? p.kind}</span> · <RelativeTime date={p.openedAt} />
                <span className="block text-slate-700">{p.summary}</span>
              </li>
            ))}
          </ul>
        )}
      </Card>

      <Card title="Expired connections: reconnect links">
        <p className="mb-2 text-sm text-slate-600">
          One link per expired connection of a provider, for its owner to re-authorize (each valid 30 minutes).
        </p>
        <ReconnectLinksForm providers={ALL_PROVIDERS.map((p) => ({ value: p, label: providerName(p) }))} smtp={smtp} />
      </Card>

      <Card title="Add a channel">
        <AddChannelForm smtp={smtp} />
      </Card>

      {channels.length === 0 ? (
        <EmptyState title="No channels yet">Add a Slack webhook, a webhook of your own, or email addresses above.</EmptyState>
      ) : (
        channels.map((c) => (
          <section key={c.id} className="space-y-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm" data-testid="alert-channel">
            <div className="flex flex-wrap items-start justify-between gap-3">
              <div className="min-w-0">
                <h2 className="text-base font-semibold">
                  {c.name} <span className="text-sm font-normal text-slate-600">· {KIND_LABEL[c.kind]}</span>
                  {!c.enabled && <span className="ml-2 text-sm font-normal text-slate-600">(off)</span>}
                </h2>
                <p className="break-all text-xs text-slate-600">{c.target}</p>
                {c.secret && (
                  <p className="break-all text-xs text-slate-600">
                    Signing secret: <code data-testid="channel-secret">{c.secret}</code>
                  </p>
                )}
              </div>
              <ChannelActions channelId={c.id} enabled={c.enabled} name={c.name} />
            </div>
            {c.deliveries.length === 0 ? (
              <p className="text-sm text-slate-600">Nothing sent yet.</p>
            ) : (
              <DataTable testId="delivery-log" minWidth={640} columns={LOG_COLUMNS}>
                {c.deliveries.map((d) => (
                  <tr key={d.id} className="border-t border-slate-100 align-top" data-testid="delivery-row">
                    <td className="whitespace-nowrap px-3 py-2">
                      <RelativeTime date={d.createdAt} />
                    </td>
                    <td className="px-3 py-2">
                      {/* One element per cell: on a phone the cell is a "label  value" row (components/data-table.tsx). */}
                      <div className="min-w-0">
                        <span className="block font-medium">{d.title}</span>
                        <span className="block text-xs text-slate-600">{d.text}</span>
                      </div>
                    </td>
                    <td className="px-3 py-2">
                      <StatusBadge status={d.status} />
                    </td>
                    <td className="px-3 py-2 tabular-nums">{d.attempts}</td>
                    <td className="break-all px-3 py-2 text-xs text-rose-800">{d.lastError ?? ""}</td>
                  </tr>
                ))}
              </DataTable>
            )}
          </section>
        ))
      )}
    </div>
  );
}
