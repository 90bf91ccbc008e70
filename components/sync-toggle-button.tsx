"use client";
import { setSyncPausedAction } from "@/app/(app)/connections/sync-actions";
import { RowActionMessage, useRowAction } from "@/components/use-row-action";

/** Pause or resume one Nango sync of a connection. */
export function SyncToggleButton({ connectionId, sync, paused }: { connectionId: string; sync: string; paused: boolean }) {
  const { pending, result, run } = useRowAction();
  return (
    <span className="inline-flex flex-col items-start gap-1">
      <button
        type="button"
        disabled={pending}
        className="rounded border border-slate-300 px-2 py-0.5 text-xs font-medium hover:bg-slate-100 disabled:opacity-50"
        onClick={() => run(() => setSyncPausedAction({ connectionId, sync, paused: !paused }))}
      >
        {paused ? "Resume" : "Pause"}
      </button>
      <RowActionMessage result={result} />
    </span>
  );
}
