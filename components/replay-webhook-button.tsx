"use client";
import { replayWebhookAction } from "@/app/(app)/webhooks/actions";
import { useFormAction } from "@/components/action-feedback";

export function ReplayWebhookButton({ id }: { id: string }) {
  const [, action, pending] = useFormAction(replayWebhookAction);
  return (
    <form action={action} className="space-y-2">
      <input type="hidden" name="id" value={id} />
      <button disabled={pending} className="rounded-md bg-indigo-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-800 disabled:opacity-50">
        Replay this delivery
      </button>
    </form>
  );
}
