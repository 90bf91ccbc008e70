"use client";
import { useActionState } from "react";
import { replayWebhookAction } from "@/app/(app)/webhooks/actions";

export function ReplayWebhookButton({ id }: { id: string }) {
  const [state, action, pending] = useActionState(replayWebhookAction, null);
  return (
    <form action={action} className="space-y-2">
      <input type="hidden" name="id" value={id} />
      <button disabled={pending} className="rounded-md bg-indigo-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-800 disabled:opacity-50">
        Replay this delivery
      </button>
      {state && (
        <p role="status" className={`text-sm ${state.ok ? "text-emerald-800" : "text-rose-800"}`}>
          {state.message}
        </p>
      )}
    </form>
  );
}
