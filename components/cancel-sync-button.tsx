"use client";
// Cancel a running (usually stalled) sync job: it ends FAILED with code CANCELLED, and a worker running it
// stops at its next record boundary. Asks first, with the app's confirmation dialog.
import { cancelSyncJobAction } from "@/app/(app)/syncs/actions";
import { useAction } from "@/components/action-feedback";
import { ConfirmButton } from "@/components/confirm-dialog";

export function CancelSyncButton({ syncJobId }: { syncJobId: string }) {
  const { pending, run } = useAction();
  return (
    <ConfirmButton
      label="Cancel"
      disabled={pending}
      className="rounded border border-slate-300 px-2 py-0.5 text-xs font-medium hover:bg-slate-100 disabled:opacity-50"
      title="Cancel this sync?"
      confirmLabel="Cancel sync"
      onConfirm={() => run(() => cancelSyncJobAction(syncJobId))}
    >
      <p>The job ends as failed, with the code CANCELLED, and a worker running it stops at its next record. Retry runs it again.</p>
    </ConfirmButton>
  );
}
