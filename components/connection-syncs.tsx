// The connection page's "Syncs in Nango" card: each sync's name, models, frequency, last and next run and
// status from Nango's sync status API, with pause/resume per sync. Self-contained: one line places it.
import { Card } from "./card";
import { DataTable } from "./data-table";
import { RelativeTime } from "./relative-time";
import { StatusBadge } from "./status-badge";
import { SyncToggleButton } from "./sync-toggle-button";
import type { Scope } from "@/lib/data/scope";
import { describeError } from "@/lib/errors";
import { fromNangoError } from "@/lib/nango/client";
import { connectionSyncs, type NangoSyncRow } from "@/lib/ops/nango-syncs";

const COLUMNS = ["Sync", "Models", "Frequency", "Last run", "Next run", "Status", ""].map((label) => ({ label }));
const BADGE: Record<NangoSyncRow["status"], string> = { RUNNING: "IN_PROGRESS", SUCCESS: "COMPLETED", ERROR: "FAILED", PAUSED: "PAUSED", STOPPED: "INACTIVE" };

export async function ConnectionSyncs({ scope, connectionId }: { scope: Scope; connectionId: string }) {
  let syncs: NangoSyncRow[];
  try {
    syncs = await connectionSyncs(scope, connectionId);
  } catch (err) {
    return (
      <Card title="Syncs in Nango">
        <p className="text-sm text-rose-800" role="alert">
          Nango did not answer with this connection&apos;s syncs: {describeError(fromNangoError(err)).message}
        </p>
      </Card>
    );
  }
  return (
    <Card title="Syncs in Nango">
      {syncs.length === 0 ? (
        <p className="text-sm text-slate-600">Nango runs no syncs for this connection.</p>
      ) : (
        <DataTable testId="nango-syncs" minWidth={640} columns={COLUMNS}>
          {syncs.map((s) => (
            <tr key={s.name} className="border-t border-slate-100 align-top" data-testid="nango-sync-row">
              <td className="px-3 py-2 font-mono text-xs" data-label="Sync">{s.name}</td>
              <td className="px-3 py-2 text-xs" data-label="Models">{s.models.join(", ")}</td>
              <td className="px-3 py-2 text-xs" data-label="Frequency">{s.frequency}</td>
              <td className="px-3 py-2" data-label="Last run">
                <RelativeTime date={s.lastRunAt} fallback="never" />
              </td>
              <td className="px-3 py-2" data-label="Next run">
                {s.nextRunAt ? <RelativeTime date={s.nextRunAt} /> : <span className="text-slate-600">—</span>}
              </td>
              <td className="px-3 py-2" data-label="Status">
                <StatusBadge status={BADGE[s.status]} />
              </td>
              <td className="px-3 py-2">
                <SyncToggleButton connectionId={connectionId} sync={s.name} paused={s.status === "PAUSED"} />
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </Card>
  );
}
