"use client";
import { setSyncPausedAction } from "@/app/(app)/connections/sync-actions";
import { useAction } from "@/components/action-feedback";

/** Pause or resume one Nango sync of a connection. */
export function SyncToggleButton({ connectionId, sync, paused }: { connectionId: string; sync: string; paused: boolean }) {
  const { pending, run } = useAction();
  return (
    <button
      type="button"
      disabled={pending}
      className="rounded border border-slate-300 px-2 py-0.5 text-xs font-medium hover:bg-slate-100 disabled:opacity-50"
      onClick={() => run(() => setSyncPausedAction({ connectionId, sync, paused: !paused }))}
    >
      {paused ? "Resume" : "Pause"}
      <span className="sr-only"> {sync}</span>
    </button>
  );
}
