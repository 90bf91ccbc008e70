// "Paused" beside a connection's status while its syncs are paused (metadata.syncsPausedAt); with `reason`,
// also why, when Atlas paused it itself (auto-pause).
import { readConnectionMetadata } from "@/lib/data/connection-metadata";
import { StatusBadge } from "./status-badge";

export function PausedBadge({ metadata, reason = false }: { metadata: unknown; reason?: boolean }) {
  const m = readConnectionMetadata(metadata);
  if (!m.syncsPausedAt) return null;
  return (
    <span className="inline-flex flex-wrap items-center gap-2" data-testid="paused-badge" title={m.syncsPausedReason ?? "Syncs paused by a person"}>
      <StatusBadge status="PAUSED" />
      {reason && m.syncsPausedReason && <span className="text-sm text-violet-900" data-testid="paused-reason">{m.syncsPausedReason}</span>}
    </span>
  );
}
