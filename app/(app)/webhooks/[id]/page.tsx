import Link from "next/link";
import { notFound } from "next/navigation";
import { Card } from "@/components/card";
import { ProviderName } from "@/components/provider-name";
import { RelativeTime } from "@/components/relative-time";
import { ReplayWebhookButton } from "@/components/replay-webhook-button";
import { StatusBadge } from "@/components/status-badge";
import { getAdmin } from "@/lib/auth/viewer";
import { getWebhookDelivery } from "@/lib/dashboard/webhooks";

export const metadata = { title: "Webhook delivery" };

export default async function WebhookDeliveryPage({ params }: { params: Promise<{ id: string }> }) {
  const viewer = await getAdmin();
  const d = await getWebhookDelivery(viewer, (await params).id);
  if (!d) notFound();
  return (
    <div className="space-y-6">
      <div>
        <Link href="/webhooks" className="text-sm text-indigo-700 hover:underline">
          ← Webhooks
        </Link>
        <h1 className="text-2xl font-semibold">
          {d.type ?? "Webhook"} delivery <StatusBadge status={d.outcome} />
        </h1>
        {d.summary && <p className="text-slate-700">{d.summary}</p>}
      </div>
      <Card title="What became of it">
        <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm" data-testid="delivery-facts">
          <dt className="text-slate-600">Received</dt>
          <dd>
            <RelativeTime date={d.receivedAt} />
          </dd>
          <dt className="text-slate-600">Applied</dt>
          <dd>{d.appliedAt ? <RelativeTime date={d.appliedAt} /> : "not yet"}</dd>
          <dt className="text-slate-600">Reason</dt>
          <dd>{d.reason ?? "—"}</dd>
          <dt className="text-slate-600">Attempts</dt>
          <dd>
            {d.attempts}
            {d.lastError && d.outcome === "RECEIVED" && <span className="block text-rose-800">{d.lastError.split("\n").at(-1)}</span>}
          </dd>
          <dt className="text-slate-600">Connection</dt>
          <dd>
            {d.connection ? (
              <Link href={`/connections/${d.connection.id}`} className="text-indigo-700 hover:underline">
                <ProviderName provider={d.connection.provider} /> {d.connection.accountName ?? ""}
              </Link>
            ) : (
              <span className="break-all font-mono text-xs">{d.connectionId ?? "—"}</span>
            )}
          </dd>
          <dt className="text-slate-600">Body</dt>
          <dd className="break-all font-mono text-xs">
            {d.bodyBytes ?? "?"} bytes, SHA-256 {d.bodyHash}
          </dd>
          {d.replayOf && (
            <>
              <dt className="text-slate-600">Replay of</dt>
              <dd>
                <Link href={`/webhooks/${d.replayOf}`} className="text-indigo-700 hover:underline">
                  the original delivery
                </Link>
              </dd>
            </>
          )}
        </dl>
      </Card>
      <Card title="Payload">
        {d.payload === null ? (
          <p className="text-sm text-slate-600">{d.outcome === "RECEIVED" ? "Shown once the delivery is applied." : "Not readable as a JSON object."}</p>
        ) : (
          <>
            <p className="mb-2 text-xs text-slate-500">As Atlas read it: characters PostgreSQL cannot store (NUL, unpaired surrogates) are shown as �; the exact bytes are kept.</p>
            <pre className="max-h-[32rem] overflow-auto rounded bg-slate-50 p-3 text-xs" data-testid="delivery-payload">
              {JSON.stringify(d.payload, null, 2)}
            </pre>
          </>
        )}
      </Card>
      <Card title="Replay">
        {d.canReplay ? (
          <ReplayWebhookButton id={d.id} />
        ) : (
          <p className="text-sm text-slate-600">Logged before Atlas kept webhook bodies: it cannot be replayed.</p>
        )}
        {d.replays.length > 0 && (
          <ul className="mt-3 space-y-1 text-sm">
            {d.replays.map((r) => (
              <li key={r.id}>
                <Link href={`/webhooks/${r.id}`} className="text-indigo-700 hover:underline">
                  <RelativeTime date={r.receivedAt} />
                </Link>{" "}
                <StatusBadge status={r.outcome} /> {r.reason}
              </li>
            ))}
          </ul>
        )}
      </Card>
    </div>
  );
}
