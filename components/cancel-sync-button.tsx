"use client";
// Cancel a running (usually stalled) sync job: it ends FAILED with code CANCELLED, and a worker running it
// stops at its next record boundary. Asks first, in the page rather than with the browser's confirm().
import { useState } from "react";
import { cancelSyncJobAction } from "@/app/(app)/syncs/actions";
import { RowActionMessage, useRowAction } from "@/components/use-row-action";

export function CancelSyncButton({ syncJobId }: { syncJobId: string }) {
  const { pending, result, run } = useRowAction();
  const [asking, setAsking] = useState(false);
  const button = "rounded border px-2 py-0.5 text-xs font-medium disabled:opacity-50";
  return (
    <span className="inline-flex flex-col items-start gap-1">
      {asking ? (
        <span className="inline-flex items-center gap-1" role="group" aria-label="Confirm cancel">
          <span className="text-xs">Cancel this sync?</span>
          <button
            type="button"
            disabled={pending}
            className={`${button} border-rose-300 text-rose-800 hover:bg-rose-50`}
            onClick={() => run(() => cancelSyncJobAction(syncJobId), () => setAsking(false))}
          >
            Yes, cancel
          </button>
          <button type="button" className={`${button} border-slate-300 hover:bg-slate-100`} onClick={() => setAsking(false)}>
            Keep
          </button>
        </span>
      ) : (
        <button type="button" className={`${button} border-slate-300 hover:bg-slate-100`} onClick={() => setAsking(true)}>
          Cancel
        </button>
      )}
      <RowActionMessage result={result} />
    </span>
  );
}
