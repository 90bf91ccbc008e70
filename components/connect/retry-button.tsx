"use client";
import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { retrySyncJobAction } from "@/app/(app)/connections/actions";
import { SYNC_REQUESTED_EVENT } from "./events";

export function RetryButton({ syncJobId }: { syncJobId: string }) {
  const router = useRouter();
  const [pending, start] = useTransition();
  const [message, setMessage] = useState<string | null>(null);
  return (
    <span className="inline-flex flex-col items-start gap-1">
      <button
        type="button"
        disabled={pending}
        className="rounded border border-slate-300 px-2 py-0.5 text-xs font-medium hover:bg-slate-100 disabled:opacity-50"
        onClick={() =>
          start(async () => {
            const r = await retrySyncJobAction(syncJobId);
            setMessage(r.ok ? null : r.message);
            if (r.ok) window.dispatchEvent(new Event(SYNC_REQUESTED_EVENT));
            router.refresh();
          })
        }
      >
        Retry
      </button>
      {message && <span role="status" className="text-xs text-rose-800">{message}</span>}
    </span>
  );
}
