"use client";
// What can be done about one connection: sync now, pause/resume, reconnect (popup, or a link an admin sends
// the owner), disconnect after a confirmation that says what goes, and "simulate sync" in sandbox mode.
import { useRouter } from "next/navigation";
import { useState } from "react";
import {
  disconnectAction,
  pauseSyncsAction,
  resumeSyncsAction,
  simulateSyncAction,
  startReconnectAction,
  syncNowAction,
} from "@/app/(app)/connections/actions";
import { useAction } from "@/components/action-feedback";
import { ConfirmDialog } from "@/components/confirm-dialog";
import type { ActionResult } from "@/lib/actions";
import { ConnectStatus } from "./connect-status";
import { SYNC_REQUESTED_EVENT } from "./events";
import { useConnectUi } from "./use-connect-ui";

type Props = {
  connectionId: string;
  label: string;
  accountName: string;
  status: string;
  paused: boolean;
  viewerIsOwner: boolean;
  ownerName: string;
  syncJobCount: number;
  /** Records of this connection in the knowledge graph (the ledger's rows). */
  knowledgeRecords: number;
  sandbox: boolean;
};


const button = "rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-800 hover:bg-slate-100 disabled:opacity-50";

export function ConnectionActions(props: Props) {
  const router = useRouter();
  const { pending, run: runAction } = useAction();
  const [link, setLink] = useState<{ url: string; expiresAt: string } | null>(null);
  const [removeKnowledge, setRemoveKnowledge] = useState(true);
  const [confirming, setConfirming] = useState(false);
  const reconnect = useConnectUi();
  const needsReconnect = props.status === "EXPIRED" || props.status === "ERROR";
  const canSync = props.status === "ACTIVE" || props.status === "ERROR";

  const run = (action: (id: string) => Promise<ActionResult>, after?: () => void, leaves = false) => runAction(() => action(props.connectionId), after, leaves);
  const syncRequested = () => window.dispatchEvent(new Event(SYNC_REQUESTED_EVENT));

  const makeLink = () =>
    runAction(
      () => startReconnectAction(props.connectionId),
      (r) => setLink({ url: r.connectLink, expiresAt: r.expiresAt }),
    );

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap gap-2" data-testid="connection-actions">
        {canSync && !props.paused && (
          <button type="button" className={button} disabled={pending} onClick={() => run(syncNowAction, syncRequested)}>
            Sync now
          </button>
        )}
        {props.sandbox && props.status === "ACTIVE" && !props.paused && (
          <button type="button" className={button} disabled={pending} onClick={() => run(simulateSyncAction, syncRequested)}>
            Simulate sync <span className="text-xs text-amber-700">(sandbox)</span>
          </button>
        )}
        {props.status !== "EXPIRED" &&
          (props.paused ? (
            <button type="button" className={button} disabled={pending} onClick={() => run(resumeSyncsAction)}>
              Resume syncs
            </button>
          ) : (
            <button type="button" className={button} disabled={pending} onClick={() => run(pauseSyncsAction)}>
              Pause syncs
            </button>
          ))}
        {needsReconnect && props.viewerIsOwner && (
          <button
            type="button"
            className="rounded-md bg-indigo-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-800 disabled:opacity-50"
            disabled={pending || reconnect.state.phase === "open" || reconnect.state.phase === "pending"}
            onClick={() => void reconnect.open(props.label, () => startReconnectAction(props.connectionId))}
          >
            Reconnect {props.label}
          </button>
        )}
        {needsReconnect && !props.viewerIsOwner && (
          <button type="button" className={button} disabled={pending} onClick={makeLink}>
            Create reconnect link for {props.ownerName}
          </button>
        )}
        <button
          type="button"
          className="rounded-md border border-rose-300 bg-white px-3 py-1.5 text-sm font-medium text-rose-800 hover:bg-rose-50 disabled:opacity-50"
          disabled={pending}
          aria-haspopup="dialog"
          onClick={() => setConfirming(true)}
        >
          Disconnect…
        </button>
      </div>

      {props.paused && (
        <p className="text-sm text-amber-800" data-testid="paused-note">
          Syncs are paused: Nango reads nothing new from {props.label} until they are resumed.
        </p>
      )}
      <ConnectStatus state={reconnect.state} onDismiss={reconnect.reset} />
      {link && (
        <div className="rounded-md border border-slate-200 bg-slate-50 p-3 text-sm" data-testid="reconnect-link">
          <p>
            Send this link to {props.ownerName}. It opens Nango to re-authorize {props.label} and works until{" "}
            {new Date(link.expiresAt).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" })} (30 minutes).
          </p>
          <div className="mt-2 flex gap-2">
            <input readOnly value={link.url} aria-label="Reconnect link" className="min-w-0 flex-1 rounded border border-slate-300 px-2 py-1 font-mono text-xs" />
            <button type="button" className={button} onClick={() => void navigator.clipboard?.writeText(link.url)}>
              Copy
            </button>
          </div>
        </div>
      )}
      <ConfirmDialog
        open={confirming}
        onOpenChange={setConfirming}
        title={`Disconnect ${props.label} · ${props.accountName}?`}
        confirmLabel="Disconnect"
        onConfirm={() => run((id) => disconnectAction({ id, removeKnowledge: removeKnowledge && props.knowledgeRecords > 0 }), () => router.push("/connections"), true)}
      >
        <ul className="list-disc space-y-1 pl-5">
          <li>Nango deletes the connection and its tokens: Atlas can no longer read this account.</li>
          <li>Atlas deletes the connection and its sync history ({props.syncJobCount.toLocaleString()} sync jobs). This cannot be undone.</li>
        </ul>
        {props.knowledgeRecords > 0 ? (
          <label className="flex items-start gap-2 text-slate-800">
            <input type="checkbox" className="mt-1" checked={removeKnowledge} onChange={(e) => setRemoveKnowledge(e.target.checked)} data-testid="remove-knowledge" />
            <span>
              Also remove this connection&apos;s {props.knowledgeRecords.toLocaleString()} records from the knowledge graph (in the background; the Knowledge page shows
              what is left). Unticked, they stay searchable without a source.
            </span>
          </label>
        ) : (
          <p>Nothing of it is in the knowledge graph.</p>
        )}
      </ConfirmDialog>
    </div>
  );
}
