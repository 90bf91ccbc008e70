"use client";
import { retrySyncJobAction } from "@/app/(app)/connections/actions";
import { useAction } from "@/components/action-feedback";
import { SYNC_REQUESTED_EVENT } from "./events";

export function RetryButton({ syncJobId }: { syncJobId: string }) {
  const { pending, run } = useAction();
  return (
    <button
      type="button"
      disabled={pending}
      className="rounded border border-slate-300 px-2 py-0.5 text-xs font-medium hover:bg-slate-100 disabled:opacity-50"
      onClick={() => run(() => retrySyncJobAction(syncJobId), () => window.dispatchEvent(new Event(SYNC_REQUESTED_EVENT)))}
    >
      Retry
    </button>
  );
}
