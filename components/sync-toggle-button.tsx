"use client";
import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { setSyncPausedAction } from "@/app/(app)/connections/sync-actions";

/** Pause or resume one Nango sync of a connection. */
export function SyncToggleButton({ connectionId, sync, paused }: { connectionId: string; sync: string; paused: boolean }) {
  const router = useRouter();
  const [pending, start] = useTransition();
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  return (
    <span className="inline-flex flex-col items-start gap-1">
      <button
        type="button"
        disabled={pending}
        className="rounded border border-slate-300 px-2 py-0.5 text-xs font-medium hover:bg-slate-100 disabled:opacity-50"
        onClick={() =>
          start(async () => {
            const r = await setSyncPausedAction({ connectionId, sync, paused: !paused });
            setMessage({ ok: r.ok, text: r.message });
            router.refresh();
          })
        }
      >
        {paused ? "Resume" : "Pause"}
      </button>
      {message && (
        <span role="status" className={`text-xs ${message.ok ? "text-emerald-800" : "text-rose-800"}`}>
          {message.text}
        </span>
      )}
    </span>
  );
}
