"use client";
import { retrySyncJobAction } from "@/app/(app)/connections/actions";
import { RowActionMessage, useRowAction } from "@/components/use-row-action";
import { SYNC_REQUESTED_EVENT } from "./events";

export function RetryButton({ syncJobId }: { syncJobId: string }) {
  const { pending, result, run } = useRowAction();
  return (
    <span className="inline-flex flex-col items-start gap-1">
      <button
        type="button"
        disabled={pending}
        className="rounded border border-slate-300 px-2 py-0.5 text-xs font-medium hover:bg-slate-100 disabled:opacity-50"
        onClick={() =>
          run(
            () => retrySyncJobAction(syncJobId),
            (r) => {
              if (r.ok) window.dispatchEvent(new Event(SYNC_REQUESTED_EVENT));
            },
          )
        }
      >
        Retry
      </button>
      <RowActionMessage result={result} quietSuccess />
    </span>
  );
}
